import { describe, expect, it } from 'vitest';
import { broadcast, broadcastConcurrency, conversationOf, type BroadcastDependencies } from '../../../functions/core/broadcast.ts';
import { frameFor, serializeFrame, type Frame } from '../../../functions/core/frames.ts';
import { conversationChange, conversationKey, messageItem } from '../../../functions/core/items.ts';
import { aConversationKey, aStoredMessage } from '../../helpers/factories.ts';

const message = aStoredMessage();
const frame: Frame = { ...frameFor({ eventName: 'INSERT', newImage: messageItem(message) })!, cursor: '1' };
const conversationFrame: Frame = {
  ...frameFor({ eventName: 'MODIFY', newImage: { ...conversationKey(message.conversationId), ...conversationChange(message, aConversationKey()) } })!,
  cursor: '2',
};

type Behaviour = 'sent' | 'gone' | Error;

/** Connections by tenant, each answering a send as told; records sends and forgets. */
const fakeGateway = (connections: Record<string, Record<string, Behaviour>>) => {
  const sends: { connectionId: string; payload: string }[] = [];
  const forgotten: string[] = [];
  const behaviours = Object.assign({}, ...Object.values(connections)) as Record<string, Behaviour>;
  const deps: BroadcastDependencies = {
    subscribersOf: async (tenantId) => Object.keys(connections[tenantId] ?? {}).map((connectionId) => ({ connectionId })),
    send: async (connectionId, payload) => {
      sends.push({ connectionId, payload });
      const behaviour = behaviours[connectionId];
      if (behaviour instanceof Error) throw behaviour;
      return behaviour ?? 'sent';
    },
    forget: async (connectionId) => {
      forgotten.push(connectionId);
    },
  };
  return { deps, sends, forgotten };
};

describe('broadcast', () => {
  it("sends the frame to every connection of the frame's tenant, and to no other", async () => {
    // Prepare
    const { deps, sends } = fakeGateway({ acme: { c1: 'sent', c2: 'sent', c3: 'sent' }, globex: { g1: 'sent' } });

    // Act
    const result = await broadcast([frame], deps);

    // Assess
    expect(result).toEqual({ sent: 3, gone: 0, failed: [] });
    expect(sends.map((send) => send.connectionId).sort()).toEqual(['c1', 'c2', 'c3']);
    for (const send of sends) expect(send.payload).toBe(serializeFrame(frame));
  });

  it('forgets a gone connection, and only that one', async () => {
    const { deps, forgotten } = fakeGateway({ acme: { c1: 'sent', c2: 'gone', c3: 'sent' } });

    const result = await broadcast([frame], deps);

    expect(forgotten).toEqual(['c2']);
    expect(result).toEqual({ sent: 2, gone: 1, failed: [] });
  });

  it('reports a send that throws without stopping the others', async () => {
    const refused = new Error('LimitExceededException');
    const { deps, sends, forgotten } = fakeGateway({ acme: { c1: refused, c2: 'sent', c3: 'gone', c4: 'sent' } });

    const result = await broadcast([frame], deps);

    expect(result).toEqual({ sent: 2, gone: 1, failed: [{ connectionId: 'c1', error: refused }] });
    expect(sends).toHaveLength(4);
    expect(forgotten).toEqual(['c3']);
  });

  it('does nothing for a tenant without connections', async () => {
    const { deps, sends } = fakeGateway({ globex: { g1: 'sent' } });

    const result = await broadcast([frame], deps);

    expect(result).toEqual({ sent: 0, gone: 0, failed: [] });
    expect(sends).toEqual([]);
  });

  it('sends only to connections listening to the whole tenant or to the frame’s conversation', async () => {
    // Prepare
    const { deps, sends } = fakeGateway({});
    const subscribers = [
      { connectionId: 'everything' },
      { connectionId: 'this-one', conversationId: message.conversationId },
      { connectionId: 'another-one', conversationId: 'conv_another' },
    ];
    const subscribersOf = async (tenantId: string) => (tenantId === message.tenantId ? subscribers : []);

    // Act
    const forMessage = await broadcast([frame], { ...deps, subscribersOf });
    const forConversation = await broadcast([conversationFrame], { ...deps, subscribersOf });

    // Assess
    expect(conversationOf(frame)).toBe(message.conversationId);
    expect(conversationOf(conversationFrame)).toBe(message.conversationId);
    expect(forMessage).toEqual({ sent: 2, gone: 0, failed: [] });
    expect(forConversation).toEqual({ sent: 2, gone: 0, failed: [] });
    expect(sends.map((send) => send.connectionId).sort()).toEqual(['everything', 'everything', 'this-one', 'this-one']);
  });

  it(`keeps at most ${broadcastConcurrency} sends in flight, and a client that hangs holds back none of the others`, async () => {
    // Prepare: the first client answers only when the test lets it, the second fails.
    const connectionIds = Array.from({ length: 60 }, (_, index) => `c${index}`);
    let inFlight = 0;
    let mostInFlight = 0;
    let releaseSlow: () => void = () => undefined;
    const slowAnswered = new Promise<void>((resolve) => (releaseSlow = resolve));
    const othersDone = new Set<string>();
    let allOthersDone: () => void = () => undefined;
    const othersFinished = new Promise<void>((resolve) => (allOthersDone = resolve));
    const deps: BroadcastDependencies = {
      subscribersOf: async () => connectionIds.map((connectionId) => ({ connectionId })),
      send: async (connectionId) => {
        inFlight += 1;
        mostInFlight = Math.max(mostInFlight, inFlight);
        try {
          if (connectionId === 'c0') await slowAnswered;
          else await new Promise((resolve) => setImmediate(resolve));
          if (connectionId === 'c1') throw new Error('LimitExceededException');
          return 'sent';
        } finally {
          inFlight -= 1;
          if (connectionId !== 'c0') othersDone.add(connectionId);
          if (othersDone.size === connectionIds.length - 1) allOthersDone();
        }
      },
      forget: async () => undefined,
    };

    // Act
    const pending = broadcast([frame], deps);
    await othersFinished;
    const sentBeforeSlowAnswered = othersDone.size;
    releaseSlow();
    const result = await pending;

    // Assess
    expect(sentBeforeSlowAnswered).toBe(59);
    expect(mostInFlight).toBe(broadcastConcurrency);
    expect(result.sent).toBe(59);
    expect(result.failed).toEqual([{ connectionId: 'c1', error: new Error('LimitExceededException') }]);
  });

  it("sends a batch's frames to each connection in feed order, looks each tenant's connections up once, and sends a gone one nothing more", async () => {
    // Prepare: three frames of acme and one of globex, in feed order.
    const later = { ...frame, cursor: '3', data: { ...frame.data, text: 'later' } };
    const globexFrame = { ...frame, tenantId: 'globex', cursor: '1' };
    const { deps, sends, forgotten } = fakeGateway({ acme: { a1: 'sent', a2: 'gone' }, globex: { g1: 'sent' } });
    const lookedUp: string[] = [];
    const subscribersOf = async (tenantId: string) => (lookedUp.push(tenantId), deps.subscribersOf(tenantId));

    // Act
    const result = await broadcast([frame, conversationFrame, globexFrame, later], { ...deps, subscribersOf });

    // Assess
    expect(lookedUp.sort()).toEqual(['acme', 'globex']);
    const cursorsSentTo = (connectionId: string) => sends.filter((send) => send.connectionId === connectionId).map((send) => (JSON.parse(send.payload) as Frame).cursor);
    expect(cursorsSentTo('a1')).toEqual(['1', '2', '3']);
    expect(cursorsSentTo('a2')).toEqual(['1']);
    expect(cursorsSentTo('g1')).toEqual(['1']);
    expect(forgotten).toEqual(['a2']);
    expect(result).toEqual({ sent: 4, gone: 1, failed: [] });
  });
});
