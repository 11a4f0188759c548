// Events the platform refused for good, with "Reintentar" to queue them again.
import { useState } from 'react';
import { useDeadLetters } from '../hooks/useConfigDetails';
import { S } from '../strings';

const D = S.deadLetters;

export function DeadLetterList({ configId }: { configId: string }) {
  const { data, isLoading, isError, replay } = useDeadLetters(configId);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const run = async (ids?: string[]) => {
    setMessage(null);
    try {
      const result = await replay.mutateAsync(ids);
      const n = typeof result?.replayed === 'number' ? result.replayed : (ids?.length ?? data?.length ?? 0);
      setMessage({ ok: true, text: D.replayed(n) });
    } catch {
      setMessage({ ok: false, text: D.replayFailed });
    }
  };
  const items = data ?? [];
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
                  {S.time.format(item.failedAt ?? item.timestamp ?? '')}
                  {item.responseCode != null && <> · {item.responseCode}</>}
                </span>
                <span className="error-cell">{item.errorMessage ?? item.reason ?? ''}</span>
                <button type="button" className="secondary" onClick={() => run([item.id])} disabled={replay.isPending}>
                  {D.replay}
                </button>
              </li>
            ))}
          </ul>
          {items.length > 1 && (
            <button type="button" className="primary" onClick={() => run()} disabled={replay.isPending}>
              {replay.isPending ? D.replaying : D.replayAll(items.length)}
            </button>
          )}
        </>
      )}
      <p aria-live="polite" className={message && !message.ok ? 'field-error' : 'ok-text'}>
        {message?.text ?? ''}
      </p>
    </section>
  );
}
