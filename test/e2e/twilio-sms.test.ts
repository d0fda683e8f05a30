import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { execFileSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messageIdFor } from '../../functions/core/ids.ts';
import { issueToken } from '../../functions/core/tokens.ts';
import { messageKey } from '../../functions/core/items.ts';
import { localCredentials } from '../../lib/local/aws.ts';
import { socketUrl } from '../../lib/cli/tail.ts';
import { startLocalStackProcess, tenantSocket, type LocalStackProcess } from '../helpers/local-stack.ts';
import { openSocket, type RecordingSocket } from '../helpers/sockets.ts';
import { inboundSmsFields, signedTwilioRequest, twilioSid } from '../helpers/twilio.ts';

/**
 * The whole local pipeline as a user drives it: `npm start`, endpoints and tokens from the
 * CLI, a Twilio-signed POST, and the frames on the tenant's WebSocket.
 */

interface EndpointOutput {
  endpointId: string;
  url: string;
}

let stack: LocalStackProcess;
let acme: EndpointOutput;
let globex: EndpointOutput;
let acmeSocket: RecordingSocket;
let globexSocket: RecordingSocket;
const acmeToken = 'acme-auth-token';
const globexToken = 'globex-auth-token';

const connect = (tenant: string) => tenantSocket(stack, tenant);

beforeAll(async () => {
  stack = await startLocalStackProcess();
  acme = JSON.parse(await stack.cli(['endpoint', 'add', '--provider', 'twilio', '--tenant', 'acme', '--secret', acmeToken])) as EndpointOutput;
  globex = JSON.parse(await stack.cli(['endpoint', 'add', '--provider', 'twilio', '--tenant', 'globex', '--secret', globexToken])) as EndpointOutput;
  acmeSocket = await connect('acme');
  globexSocket = await connect('globex');
}, 90_000);

afterAll(async () => {
  await acmeSocket?.close();
  await globexSocket?.close();
  await stack?.stop();
});

const post = (endpoint: EndpointOutput, authToken: string, fields: Record<string, string>, signature?: string) => {
  const request = signedTwilioRequest(endpoint.url, authToken, fields);
  return fetch(endpoint.url, {
    method: 'POST',
    body: request.body,
    headers: { ...request.headers, ...(signature !== undefined && { 'x-twilio-signature': signature }) },
  });
};

const framesAbout = (socket: RecordingSocket, providerMessageId: string) =>
  socket.frames.filter((frame) => (frame.data as { providerMessageId?: string } | undefined)?.providerMessageId === providerMessageId);

const storedMessage = async (tenantId: string, providerMessageId: string) => {
  const client = DynamoDBDocumentClient.from(
    new DynamoDBClient({ endpoint: stack.description.dynamodbEndpoint, region: stack.description.region, credentials: localCredentials }),
  );
  const { Item } = await client.send(new GetCommand({ TableName: stack.description.tables.Messages, Key: messageKey(messageIdFor({ tenantId, namespace: 'twilio' }, providerMessageId)) }));
  client.destroy();
  return Item;
};

describe('Twilio SMS through the local stack', () => {
  it('acknowledges a signed SMS with empty TwiML and pushes it to the tenant', async () => {
    // Prepare
    const messageSid = twilioSid('SM');

    // Act
    const response = await post(acme, acmeToken, inboundSmsFields({ MessageSid: messageSid, Body: 'Where is my order? 📦' }));

    // Assess
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/xml');
    expect(await response.text()).toBe('<?xml version="1.0" encoding="UTF-8"?><Response></Response>');
    const created = await acmeSocket.waitFor((frame) => frame.type === 'message.created' && framesAbout(acmeSocket, messageSid).includes(frame));
    expect(created).toMatchObject({
      tenantId: 'acme',
      data: { text: 'Where is my order? 📦', from: '+14155550100', to: '+15005550006', channel: 'sms', direction: 'inbound' },
    });
    expect(created.data).not.toHaveProperty('pk');
    const conversation = await acmeSocket.waitFor(
      (frame) => frame.type === 'conversation.updated' && (frame.data as { lastMessageId?: string }).lastMessageId === messageIdFor({ tenantId: 'acme', namespace: 'twilio' }, messageSid),
    );
    expect(conversation.data).toMatchObject({ id: (created.data as { conversationId: string }).conversationId, customerAddress: '+14155550100' });
  });

  it('stores one message and sends one frame however often the same MessageSid arrives', async () => {
    const messageSid = twilioSid('SM');
    const fields = inboundSmsFields({ MessageSid: messageSid });

    const concurrent = await Promise.all(Array.from({ length: 5 }, () => post(acme, acmeToken, fields)));
    const sequential = [await post(acme, acmeToken, fields), await post(acme, acmeToken, fields)];
    await acmeSocket.waitFor((frame) => frame.type === 'message.created' && framesAbout(acmeSocket, messageSid).includes(frame));
    // Give any duplicate time to come through the queue and the stream before counting.
    await sleep(1_500);

    expect([...concurrent, ...sequential].map((response) => response.status)).toEqual([200, 200, 200, 200, 200, 200, 200]);
    expect(framesAbout(acmeSocket, messageSid).map((frame) => frame.type)).toEqual(['message.created']);
  });

  it('refuses a wrong signature with 401 and stores nothing', async () => {
    const messageSid = twilioSid('SM');

    const forged = await post(acme, acmeToken, inboundSmsFields({ MessageSid: messageSid }), 'bm90IGEgc2lnbmF0dXJlIGF0IGFsbA==');
    const missing = await post(acme, acmeToken, inboundSmsFields({ MessageSid: messageSid }), '');
    const otherTenantsSecret = await post(acme, globexToken, inboundSmsFields({ MessageSid: messageSid }));
    await sleep(1_000);

    expect([forged.status, missing.status, otherTenantsSecret.status]).toEqual([401, 401, 401]);
    expect(await forged.json()).toEqual({ error: 'invalid X-Twilio-Signature', reason: 'signature' });
    expect(await missing.json()).toEqual({ error: 'missing X-Twilio-Signature', reason: 'signature' });
    expect(framesAbout(acmeSocket, messageSid)).toEqual([]);
    expect(await storedMessage('acme', messageSid)).toBeUndefined();
  });

  it('answers 404 for an unknown endpoint or provider', async () => {
    const unknownEndpoint = await post({ endpointId: 'ep_nope', url: acme.url.replace(acme.endpointId, 'ep_nope') }, acmeToken, inboundSmsFields());
    const unknownProvider = await fetch(acme.url.replace('/twilio/', '/carrier-pigeon/'), { method: 'POST', body: 'x' });

    expect(unknownEndpoint.status).toBe(404);
    expect(unknownProvider.status).toBe(404);
  });

  it('never shows a tenant another tenant’s messages', async () => {
    const acmeSid = twilioSid('SM');
    const globexSid = twilioSid('SM');

    await post(acme, acmeToken, inboundSmsFields({ MessageSid: acmeSid }));
    await post(globex, globexToken, inboundSmsFields({ MessageSid: globexSid }));
    await globexSocket.waitFor((frame) => framesAbout(globexSocket, globexSid).includes(frame));
    await acmeSocket.waitFor((frame) => framesAbout(acmeSocket, acmeSid).includes(frame));
    await sleep(500);

    expect(globexSocket.frames.every((frame) => frame.tenantId === 'globex')).toBe(true);
    expect(acmeSocket.frames.every((frame) => frame.tenantId === 'acme')).toBe(true);
    expect(framesAbout(acmeSocket, globexSid)).toEqual([]);
  });

  it('refuses a WebSocket connection with a bad or expired token', async () => {
    const expired = await issueToken('acme', stack.description.jwtSecret, -1);

    await expect(openSocket(socketUrl(stack.description.wsUrl, 'not-a-jwt'))).rejects.toThrow('HTTP 401');
    await expect(openSocket(socketUrl(stack.description.wsUrl, expired))).rejects.toThrow('HTTP 401');
    await expect(openSocket(stack.description.wsUrl)).rejects.toThrow('HTTP 401');
  });

  it('prints live events with `switchboard tail`', async () => {
    const messageSid = twilioSid('SM');
    const tail = stack.spawnCli(['tail', '--tenant', 'acme', '--json']);
    const lines = createInterface({ input: tail.stdout! });
    const frames: Record<string, unknown>[] = [];
    lines.on('line', (line) => frames.push(JSON.parse(line) as Record<string, unknown>));
    await new Promise<void>((resolve) => tail.stderr!.once('data', () => resolve()));

    await post(acme, acmeToken, inboundSmsFields({ MessageSid: messageSid, Body: 'tail me' }));
    for (let waited = 0; !frames.some((frame) => frame.type === 'message.created') && waited < 10_000; waited += 100) await sleep(100);
    tail.kill('SIGINT');

    expect(frames.find((frame) => frame.type === 'message.created')).toMatchObject({ tenantId: 'acme', data: { text: 'tail me', providerMessageId: messageSid } });
  });

  it('forgets a connection the gateway reports gone, and keeps delivering to the rest', async () => {
    const client = DynamoDBDocumentClient.from(
      new DynamoDBClient({ endpoint: stack.description.dynamodbEndpoint, region: stack.description.region, credentials: localCredentials }),
    );
    const stale = { connectionId: 'c3RhbGUtY29ubmVjdGlvbg==', tenantId: 'acme', connectedAt: new Date().toISOString() };
    await client.send(new PutCommand({ TableName: stack.description.tables.Connections, Item: stale }));
    const messageSid = twilioSid('SM');

    await post(acme, acmeToken, inboundSmsFields({ MessageSid: messageSid }));
    await acmeSocket.waitFor((frame) => framesAbout(acmeSocket, messageSid).includes(frame));
    let remaining: unknown = stale;
    for (let waited = 0; remaining && waited < 5_000; waited += 100) {
      ({ Item: remaining } = await client.send(new GetCommand({ TableName: stack.description.tables.Connections, Key: { connectionId: stale.connectionId } })));
      if (remaining) await sleep(100);
    }
    client.destroy();

    expect(remaining).toBeUndefined();
  });

  it('runs one handler on a sample event with npm run invoke', async () => {
    const run = (args: string[]) =>
      execFileSync(process.execPath, ['bin/invoke.ts', ...args], {
        cwd: new URL('../../', import.meta.url).pathname,
        env: { ...process.env, SWITCHBOARD_STATE_FILE: stack.stateFile },
        encoding: 'utf8',
      });

    const result = JSON.parse(run(['processor', 'events/lambda/processor-sqs.json'])) as unknown;

    expect(result).toEqual({ batchItemFailures: [] });
    expect(await storedMessage('acme', 'SM6fe4c5b1d1a5ee2ef6c7e0b3f6b4b1a0')).toMatchObject({ tenantId: 'acme', text: 'Hi! Is my order #1042 on its way? 📦' });
  });

  it('answers GET /health with the queues\' depths', async () => {
    const response = await fetch(`${stack.description.httpUrl}/health`);

    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ok', ingestQueue: { visible: expect.any(Number) }, deadLetterQueue: { visible: 0 } });
  });

  it('lists and removes endpoints', async () => {
    const added = JSON.parse(await stack.cli(['endpoint', 'add', '--provider', 'twilio', '--tenant', 'initech', '--secret', 's'])) as EndpointOutput;

    const listed = JSON.parse(await stack.cli(['endpoint', 'list'])) as EndpointOutput[];
    await stack.cli(['endpoint', 'remove', added.endpointId]);
    const after = JSON.parse(await stack.cli(['endpoint', 'list'])) as EndpointOutput[];

    expect(listed.map((endpoint) => endpoint.endpointId)).toContain(added.endpointId);
    expect(JSON.stringify(listed)).not.toContain(acmeToken);
    expect(after.map((endpoint) => endpoint.endpointId)).not.toContain(added.endpointId);
    await expect(stack.cli(['endpoint', 'add', '--provider', 'fax', '--tenant', 'x', '--secret', 's'])).rejects.toMatchObject({ code: 2 });
  });
});

describe('stopping the local stack', () => {
  it('stops everything on Ctrl-C, leaving no Java process behind', async () => {
    const second = await startLocalStackProcess();

    const code = await second.stop();

    expect(code).toBe(0);
    const javaLeft = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })
      .split('\n')
      .filter((line) => line.includes('DynamoDBLocal.jar') && line.includes(`-port ${second.ports.dynamodb}`));
    expect(javaLeft).toEqual([]);
    await expect(fetch(second.description.httpUrl)).rejects.toThrow();
  }, 90_000);
});
