import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { S } from '../strings';
import { setup } from '../test/utils';
import { DeadLetterList } from './DeadLetterList';

describe('DeadLetterList', () => {
  it('replays one dead letter and refreshes the list', async () => {
    const h = setup();
    let items = [
      { id: 'dl-1', eventName: 'Purchase', errorMessage: 'Purchase without value', failedAt: '2026-11-27T08:00:00Z' },
    ];
    h.mock.onGet('/tracking-configs/cfg-1/dead-letters').reply(() => [200, items]);
    h.mock.onPost('/tracking-configs/cfg-1/dead-letters/replay').reply(() => {
      items = [];
      return [200, { replayed: 1 }];
    });
    h.render(<DeadLetterList configId="cfg-1" />);
    expect(await screen.findByText('Purchase without value')).toBeInTheDocument();
    await userEvent.setup({ delay: null }).click(screen.getByRole('button', { name: S.deadLetters.replay }));
    expect(await screen.findByText(S.deadLetters.replayed(1))).toBeInTheDocument();
    expect(JSON.parse(h.mock.history.post[0]!.data as string)).toEqual({ ids: ['dl-1'] });
    expect(await screen.findByText(S.deadLetters.empty)).toBeInTheDocument();
  });
});
