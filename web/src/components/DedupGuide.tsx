// How to give the browser pixel the same event id as the server copy, so platforms count it once.
import { S } from '../strings';

const META_SAMPLE = `fbq('track', 'Purchase', { value: 49.9, currency: 'EUR' }, { eventID: 'pedido-1234' });`;
const TIKTOK_SAMPLE = `ttq.track('CompletePayment', { value: 49.9, currency: 'EUR' }, { event_id: 'pedido-1234' });`;

export function DedupGuide() {
  return (
    <details className="guide">
      <summary>{S.dedup.heading}</summary>
      <p>{S.dedup.body}</p>
      <p className="muted small">{S.dedup.idHint}</p>
      <h3>{S.dedup.metaLabel}</h3>
      <pre tabIndex={0}>
        <code>{META_SAMPLE}</code>
      </pre>
      <h3>{S.dedup.tiktokLabel}</h3>
      <pre tabIndex={0}>
        <code>{TIKTOK_SAMPLE}</code>
      </pre>
    </details>
  );
}
