import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { S } from '../strings';
import { setup } from '../test/utils';
import { DeadLetterList } from './DeadLetterList';

describe('DeadLetterList', () => {
  it('lists dead letters with their reason and replays them', async () => {
    const h = setup();
    let items = [
      {
        id: 'dl-1',
        eventId: 'pedido-1',
        eventName: 'PURCHASE',
        attempt: 1,
        deadAt: '2026-11-27T08:00:00Z',
        reason: 'Purchase without value',
        responseCode: 400,
      },
    ];
    h.mock.onGet('/tracking-configs/cfg-1/dead-letters').reply(() => [200, items]);
    h.mock.onPost('/tracking-configs/cfg-1/dead-letters/replay').reply(() => {
      items = [];
      return [200, { replayed: 1 }];
    });
    h.render(<DeadLetterList configId="cfg-1" />);
    expect(await screen.findByText('Purchase without value')).toBeInTheDocument();
    expect(screen.getByText(/400/)).toBeInTheDocument();
    await userEvent.setup({ delay: null }).click(screen.getByRole('button', { name: S.deadLetters.replay }));
    expect(await screen.findByText(S.deadLetters.replayed(1))).toBeInTheDocument();
    expect(h.mock.history.post).toHaveLength(1);
    expect(await screen.findByText(S.deadLetters.empty)).toBeInTheDocument();
  });

  it('says so when the replay fails', async () => {
    const h = setup();
    h.mock.onGet('/tracking-configs/cfg-1/dead-letters').reply(200, [{ id: 'dl-1', eventName: 'LEAD', reason: 'x' }]);
    h.mock.onPost('/tracking-configs/cfg-1/dead-letters/replay').reply(500);
    h.render(<DeadLetterList configId="cfg-1" />);
    await userEvent.setup({ delay: null }).click(await screen.findByRole('button', { name: S.deadLetters.replay }));
    expect(await screen.findByText(S.deadLetters.replayFailed)).toBeInTheDocument();
  });
});
