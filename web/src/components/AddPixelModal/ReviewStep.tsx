import { useFormikContext } from 'formik';
import type { Platform } from '../../api/types';
import { S } from '../../strings';
import { selectedEvents, type PixelFormValues } from './schema';

export function ReviewStep() {
  const { values } = useFormikContext<PixelFormValues>();
  const platform = values.platform as Platform;
  return (
    <div className="review">
      <p>{S.modal.reviewHint}</p>
      <dl>
        <dt>{S.modal.reviewPlatform}</dt>
        <dd>{S.platform.name[platform]}</dd>
        <dt>{S.modal.reviewPixel}</dt>
        <dd>{values.pixelId}</dd>
        <dt>{S.modal.reviewEvents}</dt>
        <dd>{selectedEvents(values).map((e) => S.events.label[e]).join(', ')}</dd>
        <dt>{S.modal.reviewBrowserPixel}</dt>
        <dd>{values.browserPixel ? S.modal.reviewYes : S.modal.reviewNo}</dd>
      </dl>
    </div>
  );
}
