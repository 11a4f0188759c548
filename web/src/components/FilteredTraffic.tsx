// What the edge filtered as junk in the window, per reason.
import { S } from '../strings';
import { InfoTip } from './InfoTip';

const F = S.kpi.filtered;

export function FilteredTraffic({ filtered }: { filtered: Record<string, number> | undefined }) {
  const rows = Object.entries(filtered ?? {}).filter(([, n]) => n > 0);
  const total = rows.reduce((n, [, v]) => n + v, 0);
  return (
    <div className="filtered" data-testid="filtered">
      <p>
        {F.name}: <strong>{S.kpi.count(total)}</strong> <InfoTip label={S.kpi.moreInfo(F.name)} text={F.help} />
      </p>
      {rows.length > 0 && (
        <ul>
          {rows.map(([reason, n]) => (
            <li key={reason}>
              {F.reason[reason] ?? reason}: {S.kpi.count(n)}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
