// Events the platform refused for good, with "Reintentar" to queue them all again.
import { useState } from 'react';
import { useDeadLetters } from '../hooks/useConfigDetails';
import { S } from '../strings';

const D = S.deadLetters;

export function DeadLetterList({ configId }: { configId: string }) {
  const { data, isLoading, isError, replay } = useDeadLetters(configId);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const items = data ?? [];
  const run = async () => {
    setMessage(null);
    try {
      const result = await replay.mutateAsync();
      setMessage({ ok: true, text: D.replayed(typeof result?.replayed === 'number' ? result.replayed : items.length) });
    } catch {
      setMessage({ ok: false, text: D.replayFailed });
    }
  };
  return (
    <section aria-labelledby={`dl-${configId}`} className="dead-letters">
      <h3 id={`dl-${configId}`}>{D.heading}</h3>
      <p className="muted small">{D.hint}</p>
      {isLoading && <p role="status">{D.loading}</p>}
      {isError && <p role="alert">{D.error}</p>}
      {!isLoading && !isError && items.length === 0 && <p>{D.empty}</p>}
      {items.length > 0 && (
        <>
          <ul>
            {items.map((item) => (
              <li key={item.id}>
                <span>
                  <strong>{item.eventName ?? item.eventId ?? item.id}</strong>{' '}
                  {item.deadAt && S.time.format(item.deadAt)}
                  {item.responseCode != null && <> · {item.responseCode}</>}
                  {item.attempt != null && <> · {D.attempts(item.attempt)}</>}
                </span>
                <span className="error-cell">{item.reason ?? ''}</span>
              </li>
            ))}
          </ul>
          <button type="button" className="primary" onClick={run} disabled={replay.isPending}>
            {replay.isPending ? D.replaying : D.replay}
          </button>
        </>
      )}
      <p aria-live="polite" className={message && !message.ok ? 'field-error' : 'ok-text'}>
        {message?.text ?? ''}
      </p>
    </section>
  );
}
