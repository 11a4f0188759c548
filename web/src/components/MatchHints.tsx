// Which missing match keys would raise match quality most, per platform, in the trainer's words.
import type { MatchHint } from '../api/types';
import { S } from '../strings';

const H = S.kpi.hints;

export function MatchHints({ hints }: { hints: Record<string, MatchHint[]> | undefined }) {
  const platforms = Object.entries(hints ?? {}).filter(([, list]) => list.length > 0);
  const known = (h: MatchHint) => H.key[h.key] !== undefined;
  return (
    <section className="hints" aria-labelledby="hints-heading">
      <h3 id="hints-heading">{H.heading}</h3>
      {platforms.length === 0 ? (
        <p className="muted">{H.none}</p>
      ) : (
        platforms.map(([platform, list]) => (
          <div key={platform}>
            <h4>{H.platform(platform)}</h4>
            <ul>
              {list.filter(known).map((h) => (
                <li key={h.key} data-testid={`hint-${platform}-${h.key}`}>
                  {H.key[h.key]} <span className="muted">({H.share(Math.round(h.missingShare * 100))})</span>
                </li>
              ))}
            </ul>
          </div>
        ))
      )}
    </section>
  );
}
