import { describe, expect, it } from 'vitest';
import { broadcast, type BroadcastDependencies } from '../../../functions/core/broadcast.ts';
import { frameFor, serializeFrame, type Frame } from '../../../functions/core/frames.ts';
import { messageItem } from '../../../functions/core/items.ts';
import { aStoredMessage } from '../../helpers/factories.ts';

const frame = frameFor({ eventName: 'INSERT', newImage: messageItem(aStoredMessage()) }) as Frame;

type Behaviour = 'sent' | 'gone' | Error;

/** Connections by tenant, each answering a send as told; records sends and forgets. */
const fakeGateway = (connections: Record<string, Record<string, Behaviour>>) => {
  const sends: { connectionId: string; payload: string }[] = [];
  const forgotten: string[] = [];
  const behaviours = Object.assign({}, ...Object.values(connections)) as Record<string, Behaviour>;
  const deps: BroadcastDependencies = {
    connectionsOf: async (tenantId) => Object.keys(connections[tenantId] ?? {}),
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
    const result = await broadcast(frame, deps);

    // Assess
    expect(result).toEqual({ sent: 3, gone: 0, failed: [] });
    expect(sends.map((send) => send.connectionId).sort()).toEqual(['c1', 'c2', 'c3']);
    for (const send of sends) expect(send.payload).toBe(serializeFrame(frame));
  });

  it('forgets a gone connection, and only that one', async () => {
    const { deps, forgotten } = fakeGateway({ acme: { c1: 'sent', c2: 'gone', c3: 'sent' } });

    const result = await broadcast(frame, deps);

    expect(forgotten).toEqual(['c2']);
    expect(result).toEqual({ sent: 2, gone: 1, failed: [] });
  });

  it('reports a send that throws without stopping the others', async () => {
    const refused = new Error('LimitExceededException');
    const { deps, sends, forgotten } = fakeGateway({ acme: { c1: refused, c2: 'sent', c3: 'gone', c4: 'sent' } });

    const result = await broadcast(frame, deps);

    expect(result).toEqual({ sent: 2, gone: 1, failed: [{ connectionId: 'c1', error: refused }] });
    expect(sends).toHaveLength(4);
    expect(forgotten).toEqual(['c3']);
  });

  it('does nothing for a tenant without connections', async () => {
    const { deps, sends } = fakeGateway({ globex: { g1: 'sent' } });

    const result = await broadcast(frame, deps);

    expect(result).toEqual({ sent: 0, gone: 0, failed: [] });
    expect(sends).toEqual([]);
  });
});
