import { Dialog, DialogPanel, DialogTitle, Description } from '@headlessui/react';
import { S } from '../strings';

interface Props {
  open: boolean;
  title: string;
  body: string;
  confirmLabel: string;
  busy?: boolean;
  error?: string | null;
  onConfirm: () => void;
  onClose: () => void;
}

/** Asks before a destructive action. Focus starts on "Cancelar", the safe choice. */
export function ConfirmDialog({ open, title, body, confirmLabel, busy, error, onConfirm, onClose }: Props) {
  return (
    <Dialog open={open} onClose={onClose} className="dialog" role="alertdialog">
      <div className="dialog-backdrop" aria-hidden="true" />
      <div className="dialog-wrap">
        <DialogPanel className="dialog-panel small">
          <DialogTitle as="h2">{title}</DialogTitle>
          <Description>{body}</Description>
          <p role="alert" className="field-error">
            {error ?? ''}
          </p>
          <div className="dialog-actions">
            <button type="button" className="secondary" onClick={onClose} autoFocus>
              {S.confirmDelete.cancel}
            </button>
            <button type="button" className="danger" onClick={onConfirm} disabled={busy}>
              {busy ? S.confirmDelete.deleting : confirmLabel}
            </button>
          </div>
        </DialogPanel>
      </div>
    </Dialog>
  );
}
