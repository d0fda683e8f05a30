import { describe, expect, it } from 'vitest';
import { replyTo } from '../../../functions/socket/client-message.ts';

/** A connection store that knows the given connections and records every subscription. */
const fakeStore = (known: readonly string[] = ['c1']) => {
  const subscriptions: { connectionId: string; conversationId: string | undefined }[] = [];
  return {
    subscriptions,
    deps: {
      subscribe: async (connectionId: string, conversationId: string | undefined) => {
        if (!known.includes(connectionId)) return false;
        subscriptions.push({ connectionId, conversationId });
        return true;
      },
    },
  };
};

describe('replyTo', () => {
  it('answers a ping with a pong and stores nothing', async () => {
    // Prepare
    const { deps, subscriptions } = fakeStore();

    // Act
    const reply = await replyTo('c1', '{"action":"ping"}', deps);

    // Assess
    expect(reply).toEqual({ type: 'pong' });
    expect(subscriptions).toEqual([]);
  });

  it('narrows the connection to one conversation, then widens it back to the tenant', async () => {
    const { deps, subscriptions } = fakeStore();

    const narrowed = await replyTo('c1', JSON.stringify({ action: 'subscribe', conversationId: 'conv_abc-DEF_123' }), deps);
    const widened = await replyTo('c1', JSON.stringify({ action: 'subscribe' }), deps);

    expect(narrowed).toEqual({ type: 'subscribed', conversationId: 'conv_abc-DEF_123' });
    expect(widened).toEqual({ type: 'subscribed' });
    expect(subscriptions).toEqual([
      { connectionId: 'c1', conversationId: 'conv_abc-DEF_123' },
      { connectionId: 'c1', conversationId: undefined },
    ]);
  });

  it('answers an error frame when the connection is no longer recorded', async () => {
    const { deps } = fakeStore([]);

    const reply = await replyTo('c1', JSON.stringify({ action: 'subscribe', conversationId: 'conv_abc' }), deps);

    expect(reply).toEqual({ type: 'error', message: 'this connection is closed' });
  });

  it.each([
    ['not JSON', 'hello'],
    ['an empty body', ''],
    ['JSON without an action', '{"type":"ping"}'],
    ['an unknown action', '{"action":"publish"}'],
    ['a conversation id that is not one', '{"action":"subscribe","conversationId":"msg_abc"}'],
    ['a conversation id that is not a string', '{"action":"subscribe","conversationId":42}'],
    ['an array', '[{"action":"ping"}]'],
  ])('answers %s with an error frame and stores nothing', async (_case, body) => {
    const { deps, subscriptions } = fakeStore();

    const reply = await replyTo('c1', body, deps);

    expect(reply).toMatchObject({ type: 'error', message: expect.stringContaining('"action":"ping"') });
    expect(subscriptions).toEqual([]);
  });
});
