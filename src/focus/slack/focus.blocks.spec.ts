import { refusedMessage } from './focus.blocks';

describe('refusedMessage', () => {
  const now = new Date('2026-12-03T22:05:00Z'); // 23:05 in Paris

  it('names only the time when the next fit is later the same day in the agent’s zone', () => {
    const { text } = refusedMessage(new Date('2026-12-03T22:50:00Z'), 4, 'Europe/Paris', now);
    expect(text).toBe(
      'That block would leave your team with fewer than 4 agents on duty. It would fit from 23:50.',
    );
  });

  it('names the day too when the next fit is on another day in the agent’s zone', () => {
    const { text } = refusedMessage(new Date('2026-12-03T23:07:00Z'), 4, 'Europe/Paris', now);
    expect(text).toBe(
      'That block would leave your team with fewer than 4 agents on duty. It would fit from Fri 4 Dec 00:07.',
    );
  });

  it('says so when nothing fits in the next 7 days', () => {
    expect(refusedMessage(null, 4, 'Europe/Paris', now).text).toContain(
      'No time in the next 7 days fits; ask your lead.',
    );
  });
});
