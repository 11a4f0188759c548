import { Dialog, DialogPanel, DialogTitle } from '@headlessui/react';
import type { TrackingConfig } from '../api/types';
import { S } from '../strings';
import { DeadLetterList } from './DeadLetterList';
import { LogsViewer } from './LogsViewer';

export function LogsDialog({ config, onClose }: { config: TrackingConfig | null; onClose: () => void }) {
  return (
    <Dialog open={config !== null} onClose={onClose} className="dialog">
      <div className="dialog-backdrop" aria-hidden="true" />
      <div className="dialog-wrap">
        {config && (
          <DialogPanel className="dialog-panel wide">
            <DialogTitle as="h2">{S.logs.title(config.platform, config.pixelId)}</DialogTitle>
            <h3>{S.logs.heading}</h3>
            <LogsViewer configId={config.id} />
            <DeadLetterList configId={config.id} />
            <div className="dialog-actions">
              <button type="button" className="secondary" onClick={onClose} autoFocus>
                {S.logs.close}
              </button>
            </div>
          </DialogPanel>
        )}
      </div>
    </Dialog>
  );
}
