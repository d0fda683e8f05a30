import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStackProcess, type LocalStackProcess } from '../helpers/local-stack.ts';
import { inboundSmsFields, signedTwilioRequest, twilioSid } from '../helpers/twilio.ts';
import { eventually } from '../helpers/waiting.ts';

/**
 * The query API and the long-poll fallback through `npm start`, with tokens from the CLI and
 * messages from Twilio-signed webhooks: every route answers for the token's tenant only.
 */

interface Conversation {
  id: string;
  tenantId: string;
  lastMessageId: string;
}
interface Frame {
  type: string;
  tenantId: string;
  cursor: string;
  data: { id: string; providerMessageId?: string; storedAt?: string; text?: string };
}

let stack: LocalStackProcess;
let endpointUrl: string;
let acmeToken: string;
let globexToken: string;
const authToken = 'acme-auth-token';

beforeAll(async () => {
  stack = await startLocalStackProcess();
  endpointUrl = (JSON.parse(await stack.cli(['endpoint', 'add', '--provider', 'twilio', '--tenant', 'acme', '--secret', authToken])) as { url: string }).url;
  acmeToken = (await stack.cli(['token', '--tenant', 'acme'])).trim();
  globexToken = (await stack.cli(['token', '--tenant', 'globex'])).trim();
}, 90_000);

afterAll(async () => {
  await stack?.stop();
});

const get = async (path: string, token?: string) => {
  const response = await fetch(`${stack.description.httpUrl}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

const postSms = async (text: string): Promise<string> => {
  const messageSid = twilioSid('SM');
  const request = signedTwilioRequest(endpointUrl, authToken, inboundSmsFields({ MessageSid: messageSid, Body: text }));
  const response = await fetch(endpointUrl, { method: 'POST', body: request.body, headers: request.headers });
  expect(response.status).toBe(200);
  return messageSid;
};

const conversationsOf = async (token: string) => (await get('/conversations', token)).body.conversations as Conversation[];

describe('query API through the local stack', () => {
  it('refuses every route without a valid token with 401', async () => {
    const routes = ['/conversations', '/conversations/conv_x/messages', '/events'];

    const answers = await Promise.all([...routes.map((route) => get(route)), ...routes.map((route) => get(route, 'not.a.token'))]);

    expect(answers.map((answer) => answer.status)).toEqual([401, 401, 401, 401, 401, 401]);
  });

  it("shows a tenant its own conversations and messages, and no other tenant's", async () => {
    // Prepare
    const messageSid = await postSms('only acme sees this');
    const conversation = await eventually('the conversation to be listed', async () => (await conversationsOf(acmeToken))[0]);

    // Act
    const own = await get(`/conversations/${conversation.id}/messages`, acmeToken);
    const foreign = await get(`/conversations/${conversation.id}/messages`, globexToken);
    const foreignList = await get('/conversations', globexToken);
    // The feed is written by the broadcaster, after the conversation is stored: wait for its two frames.
    const ownEvents = await eventually("acme's frames to be published", async () => {
      const answer = await get('/events?cursor=0', acmeToken);
      return (answer.body.frames as Frame[]).length >= 2 ? answer : undefined;
    });
    const foreignEvents = await get('/events?cursor=0', globexToken);

    // Assess
    expect(own.status).toBe(200);
    expect(own.body.messages).toEqual([expect.objectContaining({ providerMessageId: messageSid, text: 'only acme sees this', tenantId: 'acme' })]);
    expect(foreign).toEqual({ status: 404, body: { error: 'no such conversation', reason: 'not_found' } });
    expect(foreignList).toEqual({ status: 200, body: { conversations: [], cursor: null } });
    expect(foreignEvents.body.frames).toEqual([]);
    expect((ownEvents.body.frames as Frame[]).map((frame) => frame.tenantId)).toEqual(['acme', 'acme']);
  });

  it('returns a long-poll soon after a signed webhook is stored, with its frames', async () => {
    // Prepare
    const { cursor } = (await get('/events', acmeToken)).body as { cursor: string };

    // Act
    const polling = fetch(`${stack.description.httpUrl}/events?cursor=${encodeURIComponent(cursor)}&wait=25`, {
      headers: { authorization: `Bearer ${acmeToken}` },
    }).then(async (response) => ({ answeredAt: Date.now(), status: response.status, body: (await response.json()) as { frames: Frame[]; cursor: string } }));
    const messageSid = await postSms('long-polled');
    const { answeredAt, status, body } = await polling;

    // Assess
    expect(status).toBe(200);
    const created = body.frames.find((frame) => frame.type === 'message.created');
    expect(created?.data).toMatchObject({ providerMessageId: messageSid, text: 'long-polled' });
    // The target is 100 ms; the bound is generous so a slow machine does not fail it, yet far below the 25 s wait.
    const sinceStored = answeredAt - Date.parse(created?.data.storedAt ?? '');
    expect(sinceStored).toBeLessThan(2_000);
    expect(body.cursor).toBe(body.frames.at(-1)?.cursor);
  });
});
