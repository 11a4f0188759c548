// The delivery log of one config: newest first; a row expands to the payload that was sent.
import { Fragment, useState } from 'react';
import type { LogEntry } from '../api/types';
import { useLogs } from '../hooks/useConfigDetails';
import { S } from '../strings';

const L = S.logs;

export function LogsViewer({ configId }: { configId: string }) {
  const { data, isLoading, isError } = useLogs(configId);
  if (isLoading) return <p role="status">{L.loading}</p>;
  if (isError) return <p role="alert">{L.error}</p>;
  return <LogsTable entries={data ?? []} />;
}

const newestFirst = (a: LogEntry, b: LogEntry) => Date.parse(b.timestamp) - Date.parse(a.timestamp);

/** A Google Data Manager request's own entry: what Google said it did with the events. */
function googleRequestLine(entry: LogEntry): string | null {
  if (entry.eventName !== 'GOOGLE_REQUEST') return null;
  const p = (entry.payload ?? {}) as {
    events?: number;
    accepted?: number;
    failed?: number;
    failedByReason?: Record<string, number>;
  };
  if (p.accepted === undefined) {
    return entry.status === 'pending' ? L.googleRequest.pending(p.events ?? 0) : (entry.errorMessage ?? null);
  }
  const reasons = Object.entries(p.failedByReason ?? {})
    .map(([r, n]) => `${r.replace('PROCESSING_ERROR_REASON_', '')}: ${n}`)
    .join(', ');
  return L.googleRequest.outcome(p.accepted, p.failed ?? 0, reasons);
}

export function LogsTable({ entries }: { entries: LogEntry[] }) {
  const [open, setOpen] = useState<Set<string>>(new Set());
  if (entries.length === 0) return <p>{L.empty}</p>;
  const rows = [...entries].sort(newestFirst);
  const toggle = (id: string) =>
    setOpen((prev) => {
      const next = new Set(prev);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  return (
    <table className="logs">
      <caption className="sr-only">{L.heading}</caption>
      <thead>
        <tr>
          <th scope="col">{L.columns.time}</th>
          <th scope="col">{L.columns.event}</th>
          <th scope="col">{L.columns.status}</th>
          <th scope="col">{L.columns.code}</th>
          <th scope="col">{L.columns.latency}</th>
          <th scope="col">{L.columns.attempt}</th>
          <th scope="col">{L.columns.error}</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((entry) => {
          const expanded = open.has(entry.id);
          const time = S.time.format(entry.timestamp);
          const payloadId = `payload-${entry.id}`;
          return (
            <Fragment key={entry.id}>
              <tr className={`status-row status-${entry.status}`}>
                <td>
                  <button
                    type="button"
                    className="link"
                    aria-expanded={expanded}
                    aria-controls={payloadId}
                    aria-label={L.expand(entry.eventName, time)}
                    onClick={() => toggle(entry.id)}
                  >
                    <span aria-hidden="true">{expanded ? '▾' : '▸'} </span>
                    {time}
                  </button>
                </td>
                <td>{entry.eventName === 'GOOGLE_REQUEST' ? L.googleRequest.event : entry.eventName}</td>
                <td>
                  <span className={`status status-${entry.status}`}>{L.status[entry.status] ?? entry.status}</span>
                </td>
                <td>{entry.responseCode ?? L.none}</td>
                <td>{entry.latencyMs == null ? L.none : L.ms(entry.latencyMs)}</td>
                <td>{entry.attempt}</td>
                <td className="error-cell">{googleRequestLine(entry) ?? (entry.errorMessage || L.none)}</td>
              </tr>
              {expanded && (
                <tr id={payloadId} className="payload-row">
                  <td colSpan={7}>
                    <p className="muted small">{L.payload}</p>
                    <pre tabIndex={0}>{JSON.stringify(entry.payload, null, 2)}</pre>
                  </td>
                </tr>
              )}
            </Fragment>
          );
        })}
      </tbody>
    </table>
  );
}
