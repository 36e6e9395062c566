import { replyWithin } from './ack-within';

describe('replyWithin', () => {
  const setup = () => {
    const acks: unknown[] = [];
    const responses: unknown[] = [];
    const ack = jest.fn(async (reply?: unknown) => void acks.push(reply));
    const respond = jest.fn(async (msg: unknown) => void responses.push(msg)) as never;
    return { acks, responses, ack, respond };
  };
  const fallback = () => ({ text: 'sorry' });

  it('answers in the acknowledgement when the reply is ready within the budget', async () => {
    const { acks, responses, ack, respond } = setup();
    await replyWithin(ack, respond, Promise.resolve({ text: 'done' }), fallback, 1_000);
    expect(acks).toEqual([{ response_type: 'ephemeral', text: 'done' }]);
    expect(responses).toEqual([]);
  });

  it('acknowledges empty in time and sends a late reply through response_url', async () => {
    const { acks, responses, ack, respond } = setup();
    let finish!: (v: { text: string }) => void;
    const work = new Promise<{ text: string }>((resolve) => (finish = resolve));
    const replying = replyWithin(ack, respond, work, fallback, 0);
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(acks).toEqual([undefined]);
    expect(responses).toEqual([]);
    finish({ text: 'late' });
    await replying;
    expect(responses).toEqual([
      { response_type: 'ephemeral', replace_original: false, text: 'late' },
    ]);
  });

  it('tells the user when the work fails after the acknowledgement', async () => {
    const { acks, responses, ack, respond } = setup();
    let fail!: (e: Error) => void;
    const work = new Promise<{ text: string }>((_, reject) => (fail = reject));
    const replying = replyWithin(ack, respond, work, fallback, 0);
    await new Promise((resolve) => setTimeout(resolve, 0));
    fail(new Error('deadlock'));
    await replying;
    expect(acks).toEqual([undefined]);
    expect(responses).toEqual([
      { response_type: 'ephemeral', replace_original: false, text: 'sorry' },
    ]);
  });

  it('lets an early failure reach the caller (Bolt answers it)', async () => {
    const { ack, respond } = setup();
    await expect(
      replyWithin(ack, respond, Promise.reject(new Error('boom')), fallback, 1_000),
    ).rejects.toThrow('boom');
    expect(ack).not.toHaveBeenCalled();
  });
});
