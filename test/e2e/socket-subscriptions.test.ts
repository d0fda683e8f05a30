import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStackProcess, tenantSocket, type LocalStackProcess } from '../helpers/local-stack.ts';
import type { RecordingSocket } from '../helpers/sockets.ts';
import { inboundSmsFields, signedTwilioRequest, twilioSid } from '../helpers/twilio.ts';
import { waitUntil } from '../helpers/waiting.ts';

/**
 * Subscriptions through `npm start`: two sockets of one tenant, one narrowed to a
 * conversation, fed by real Twilio-signed webhooks; and ping → pong on the deployed route.
 */

interface EndpointOutput {
  endpointId: string;
  url: string;
}

const authToken = 'acme-auth-token';
let stack: LocalStackProcess;
let endpoint: EndpointOutput;
const sockets: RecordingSocket[] = [];

const connect = async (tenant: string) => {
  const socket = await tenantSocket(stack, tenant);
  sockets.push(socket);
  return socket;
};

beforeAll(async () => {
  stack = await startLocalStackProcess();
  endpoint = JSON.parse(await stack.cli(['endpoint', 'add', '--provider', 'twilio', '--tenant', 'acme', '--secret', authToken])) as EndpointOutput;
}, 90_000);

afterAll(async () => {
  for (const socket of sockets) await socket.close();
  await stack?.stop();
});

/** Posts an SMS from `from` and gives its Twilio message sid. */
const sms = async (from: string, text: string): Promise<string> => {
  const messageSid = twilioSid('SM');
  const request = signedTwilioRequest(endpoint.url, authToken, inboundSmsFields({ MessageSid: messageSid, From: from, Body: text }));
  const response = await fetch(endpoint.url, { method: 'POST', body: request.body, headers: request.headers });
  expect(response.status).toBe(200);
  return messageSid;
};

const messageText = (frame: Record<string, unknown>) =>
  frame.type === 'message.created' ? (frame.data as { text?: string }).text : undefined;

const send = (socket: RecordingSocket, message: unknown) => socket.socket.send(JSON.stringify(message));

describe('WebSocket subscriptions through npm start', () => {
  it('answers ping with pong', async () => {
    const socket = await connect('acme');

    send(socket, { action: 'ping' });
    const reply = await socket.waitFor((frame) => frame.type === 'pong');

    expect(reply).toEqual({ type: 'pong' });
  });

  it('sends a socket subscribed to one conversation only that conversation, the other socket everything, another tenant nothing', async () => {
    // Prepare: learn the first customer's conversation id from the wide socket, narrow the other
    // to it; a socket of another tenant subscribes to that same id.
    const wide = await connect('acme');
    const narrow = await connect('acme');
    const intruder = await connect('globex');
    await sms('+14155550111', 'alice 1');
    const aliceFrame = await wide.waitFor((frame) => messageText(frame) === 'alice 1');
    const aliceConversation = (aliceFrame.data as { conversationId: string }).conversationId;
    await narrow.waitFor((frame) => messageText(frame) === 'alice 1');
    send(narrow, { action: 'subscribe', conversationId: aliceConversation });
    await narrow.waitFor((frame) => frame.type === 'subscribed');
    send(intruder, { action: 'subscribe', conversationId: aliceConversation });
    await intruder.waitFor((frame) => frame.type === 'subscribed');
    const narrowBefore = narrow.frames.length;

    // Act: bob's message is pushed (to the wide socket) before alice's second one is stored,
    // so had it gone to the narrow socket too, it would arrive there before alice's.
    await sms('+14155550122', 'bob 1');
    await wide.waitFor((frame) => messageText(frame) === 'bob 1');
    await sms('+14155550111', 'alice 2');
    await narrow.waitFor((frame) => messageText(frame) === 'alice 2');
    await wide.waitFor((frame) => messageText(frame) === 'alice 2');
    // Once bob's next message reached the wide socket, every push of alice's is done; a pong
    // sent after them reaches the intruder after anything they sent it.
    await sms('+14155550122', 'bob 2');
    await wide.waitFor((frame) => messageText(frame) === 'bob 2');
    send(intruder, { action: 'ping' });
    await intruder.waitFor((frame) => frame.type === 'pong');

    // Assess
    const narrowAfter = narrow.frames.slice(narrowBefore);
    expect(narrowAfter.map(messageText).filter(Boolean)).toEqual(['alice 2']);
    const aboutOthers = narrowAfter.filter((frame) => {
      const data = frame.data as { id?: string; conversationId?: string };
      return (frame.type === 'conversation.updated' ? data.id : data.conversationId) !== aliceConversation;
    });
    expect(aboutOthers).toEqual([]);
    expect(wide.frames.map(messageText).filter(Boolean)).toEqual(['alice 1', 'bob 1', 'alice 2', 'bob 2']);
    expect(intruder.frames).toEqual([{ type: 'subscribed', conversationId: aliceConversation }, { type: 'pong' }]);
    expect(wide.frames.some((frame) => frame.type === 'subscribed')).toBe(false);
  });

  it('prints only one conversation with `switchboard tail --conversation`', async () => {
    // Prepare
    const wide = await connect('acme');
    await sms('+14155550133', 'carol 1');
    const carolFrame = await wide.waitFor((frame) => messageText(frame) === 'carol 1');
    const carolConversation = (carolFrame.data as { conversationId: string }).conversationId;
    const tail = stack.spawnCli(['tail', '--tenant', 'acme', '--conversation', carolConversation, '--json']);
    const printed = linesOf(tail);
    const stderr = textOf(tail.stderr);
    await waitUntil(() => stderr().includes('Listening'), 'the tail to confirm its subscription');

    // Act: as above, dave's frames would reach the tail before carol's second.
    await sms('+14155550144', 'dave 1');
    await wide.waitFor((frame) => messageText(frame) === 'dave 1');
    await sms('+14155550133', 'carol 2');
    await waitUntil(() => printed.some((frame) => messageText(frame) === 'carol 2'), 'the tail to print carol 2');
    tail.kill('SIGINT');
    const [exitCode] = (await once(tail, 'exit')) as [number | null];

    // Assess
    expect(exitCode).toBe(0);
    expect(stderr()).toContain(`Listening for ${carolConversation} of acme's events`);
    expect(printed.map(messageText).filter(Boolean)).toEqual(['carol 2']);
    expect(printed.every((frame) => frame.tenantId === 'acme')).toBe(true);
  });

  it('exits with the reason when the subscription is refused', async () => {
    const tail = stack.spawnCli(['tail', '--tenant', 'acme', '--conversation', 'not-a-conversation']);
    const stderr = textOf(tail.stderr);

    const [exitCode] = (await once(tail, 'exit')) as [number | null];

    expect(exitCode).toBe(1);
    expect(stderr()).toContain('switchboard: subscription refused: expected {"action":"ping"}');
  });
});

/** Every JSON line a CLI process prints, as it prints them. */
const linesOf = (child: ChildProcess) => {
  const frames: Record<string, unknown>[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => frames.push(JSON.parse(line) as Record<string, unknown>));
  return frames;
};

/** What a stream has carried so far. */
const textOf = (stream: NodeJS.ReadableStream | null) => {
  let text = '';
  stream?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return () => text;
};
