// The multi-step form that connects a pixel (or edits one): platform → credentials → events → save.
// Saving runs the server's credential check; its verdict keeps the user where the fix is.
import { Dialog, DialogPanel, DialogTitle } from '@headlessui/react';
import { Form, Formik, yupToFormErrors, type FormikErrors, type FormikHelpers } from 'formik';
import { useEffect, useMemo, useRef, useState } from 'react';
import { toApiError } from '../../api/client';
import type { GoogleReturn } from '../../api/navigate';
import type { TrackingConfig } from '../../api/types';
import { usePixelConfigurations } from '../../hooks/usePixelConfigurations';
import { S } from '../../strings';
import { CredentialsStep } from './CredentialsStep';
import { EventsStep } from './EventsStep';
import { PlatformStep } from './PlatformStep';
import { ReviewStep } from './ReviewStep';
import {
  emptyValues,
  formFieldFor,
  schemaFor,
  STEPS,
  toCreateBody,
  toUpdateBody,
  valuesFromConfig,
  type Mode,
  type PixelFormValues,
  type StepId,
} from './schema';

interface Props {
  open: boolean;
  onClose: () => void;
  /** The config to edit; absent to connect a new one. */
  config?: TrackingConfig | null;
  onSaved?: (config: TrackingConfig) => void;
  /** Back from Google's consent screen: a new Google config, connected, on its credentials step. */
  google?: GoogleReturn | null;
}

export function AddPixelModal({ open, onClose, config, onSaved, google }: Props) {
  return (
    <Dialog open={open} onClose={onClose} className="dialog">
      <div className="dialog-backdrop" aria-hidden="true" />
      <div className="dialog-wrap">
        {open && <ModalBody config={config ?? null} onClose={onClose} onSaved={onSaved} google={config ? null : (google ?? null)} />}
      </div>
    </Dialog>
  );
}

interface Verdict {
  title?: string;
  message: string;
  /** The platform refused the credentials (422). */
  rejected?: boolean;
}

const STEP_LABEL: Record<StepId, string> = {
  platform: S.modal.steps[0],
  credentials: S.modal.steps[1],
  events: S.modal.steps[2],
  review: S.modal.steps[3],
};

function ModalBody({
  config,
  onClose,
  onSaved,
  google,
}: {
  config: TrackingConfig | null;
  onClose: () => void;
  onSaved?: (config: TrackingConfig) => void;
  google: GoogleReturn | null;
}) {
  const { addPixel, updatePixel } = usePixelConfigurations();
  const mode: Mode = config ? 'edit' : 'create';
  const steps = STEPS[mode];
  const [index, setIndex] = useState(google ? steps.indexOf('credentials') : 0);
  const step = steps[index] ?? 'review';
  const [verdict, setVerdict] = useState<Verdict | null>(null);
  // Our own flag, not Formik's isSubmitting: moving between steps is a submit too, and a button
  // disabled during it could not take the focus the review step gives it.
  const [saving, setSaving] = useState(false);
  const [serverErrors, setServerErrors] = useState<Record<string, string>>({});
  const initial = useMemo(
    () =>
      config
        ? valuesFromConfig(config)
        : google
          ? { ...emptyValues(), platform: 'Google' as const, googleConnection: google.connection, googleAdsApi: google.adsApi }
          : emptyValues(),
    [config, google],
  );

  // The review step has no field to autofocus, and its button is the same DOM node as the
  // previous step's "Siguiente": move focus there explicitly so Enter saves.
  const submitRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (step === 'review') submitRef.current?.focus();
  }, [step]);

  const goTo = (target: StepId) => setIndex(Math.max(0, steps.indexOf(target)));

  const validate = async (values: PixelFormValues): Promise<FormikErrors<PixelFormValues>> => {
    try {
      await schemaFor(step, mode, values.platform, values.browserPixel).validate(values, { abortEarly: false });
      return {};
    } catch (e) {
      return yupToFormErrors(e);
    }
  };

  const save = async (values: PixelFormValues, helpers: FormikHelpers<PixelFormValues>) => {
    setVerdict(null);
    setServerErrors({});
    setSaving(true);
    try {
      const saved = config ? await updatePixel(config.id, toUpdateBody(values, initial)) : await addPixel(toCreateBody(values));
      onSaved?.(saved);
      onClose();
    } catch (e) {
      const err = toApiError(e);
      if (err.status === 401) return; // the page switches to "sesión caducada"
      if (err.status === 422) {
        const said = err.platform ? S.modal.platformSaid(err.platform.name, err.platform.message) : err.message;
        setVerdict({ title: S.modal.rejectedTitle, message: said || S.modal.genericError, rejected: true });
        goTo('credentials');
      } else if (err.status === 400 && Object.keys(err.fields).length > 0) {
        const mapped: Record<string, string> = {};
        let first: StepId | null = null;
        for (const [apiField, message] of Object.entries(err.fields)) {
          const { field, step: at } = formFieldFor(apiField);
          mapped[field] = message;
          if (first === null || steps.indexOf(at) < steps.indexOf(first)) first = at;
        }
        setServerErrors(mapped);
        setVerdict({ message: S.modal.fixFields });
        if (first) goTo(first);
      } else if (err.status === 409) {
        setServerErrors({ pixelId: err.message || S.modal.conflict });
        setVerdict({ message: S.modal.conflict });
        goTo('credentials');
      } else {
        setVerdict({ message: err.status === null ? S.errors.network : err.message || S.modal.genericError });
      }
    } finally {
      setSaving(false);
      helpers.setSubmitting(false);
    }
  };

  const onSubmit = async (values: PixelFormValues, helpers: FormikHelpers<PixelFormValues>) => {
    if (step !== 'review') {
      setIndex(index + 1);
      helpers.setTouched({}, false);
      return;
    }
    await save(values, helpers);
  };

  const title = config ? S.modal.editTitle(config.platform) : S.modal.addTitle;
  return (
    <DialogPanel className="dialog-panel">
      <DialogTitle as="h2">{title}</DialogTitle>
      <ol className="stepper" aria-label={S.modal.stepOf(index + 1, steps.length)}>
        {steps.map((s, i) => (
          <li key={s} aria-current={i === index ? 'step' : undefined} className={i === index ? 'current' : ''}>
            {STEP_LABEL[s]}
          </li>
        ))}
      </ol>
      <p className="step-of">{S.modal.stepOf(index + 1, steps.length)}</p>
      <Formik initialValues={initial} validate={validate} onSubmit={onSubmit} validateOnBlur>
        {() => (
          <Form noValidate>
            <h3 className="step-title">{STEP_LABEL[step]}</h3>
            <div role="alert" aria-live="assertive" className={verdict ? 'verdict' : 'verdict empty'}>
              {verdict?.title && <strong>{verdict.title}</strong>}
              {verdict && <p data-testid="server-verdict">{verdict.message}</p>}
            </div>
            {step === 'platform' && <PlatformStep />}
            {step === 'credentials' && <CredentialsStep mode={mode} serverErrors={serverErrors} focusToken={verdict?.rejected} />}
            {step === 'events' && <EventsStep serverError={serverErrors.mappings} />}
            {step === 'review' && <ReviewStep />}
            <div className="dialog-actions">
              <button type="button" className="secondary" onClick={onClose}>
                {S.modal.cancel}
              </button>
              {index > 0 && (
                <button type="button" className="secondary" onClick={() => setIndex(index - 1)} disabled={saving}>
                  {S.modal.back}
                </button>
              )}
              <button type="submit" className="primary" disabled={saving} ref={submitRef}>
                {step !== 'review'
                  ? S.modal.next
                  : saving
                    ? S.modal.saving
                    : config
                      ? S.modal.saveEdit
                      : S.modal.save}
              </button>
            </div>
          </Form>
        )}
      </Formik>
    </DialogPanel>
  );
}
