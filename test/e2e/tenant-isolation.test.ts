import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metaJson, newWamid, signedMetaRequest } from '../../functions/providers/meta/sample.ts';
import { inboundSmsFields, signedTwilioRequest, twilioSid } from '../../functions/providers/twilio/sample.ts';
import { startLocalStackProcess, type LocalStackProcess } from '../helpers/local-stack.ts';
import { statusCallbackFields } from '../helpers/twilio.ts';
import { eventually, waitUntil } from '../helpers/waiting.ts';

/**
 * A hostile tenant, using only its own endpoints and its own secrets, sends the provider ids of
 * another tenant's messages, as the provider would sign them for it. None of it may create,
 * change, hide or delete anything of the other tenant's: what the victim reads back through
 * the query API is exactly what its own providers sent.
 */

interface Endpoint {
  readonly endpointId: string;
  readonly url: string;
}
interface StoredMessageView {
  readonly providerMessageId: string;
  readonly text: string;
  readonly tenantId: string;
  readonly status?: string;
  readonly deleted?: boolean;
  readonly customerReaction?: string;
  readonly editedAt?: string;
}

const secrets = { victim: { meta: 'victim-meta-app-secret', twilio: 'victim-twilio-auth-token' }, attacker: { meta: 'attacker-meta-app-secret', twilio: 'attacker-twilio-token' } };
type Tenant = keyof typeof secrets;

// Both tenants' apps serve the same page: the attacker claims the victim's page and customer.
const pageId = '1234567890123456';
const customerPsid = '6789012345678901';
const business = '+15005550006';
const customer = '+14155550100';

let stack: LocalStackProcess;
const endpoints = {} as Record<Tenant, { meta: Endpoint; twilio: Endpoint }>;
const tokens = {} as Record<Tenant, string>;

beforeAll(async () => {
  stack = await startLocalStackProcess();
  for (const tenant of ['victim', 'attacker'] as const) {
    const add = async (provider: 'meta' | 'twilio') =>
      JSON.parse(await stack.cli(['endpoint', 'add', '--provider', provider, '--tenant', tenant, '--secret', secrets[tenant][provider], '--verify-token', `${tenant}-verify-token`])) as Endpoint;
    endpoints[tenant] = { meta: await add('meta'), twilio: await add('twilio') };
    tokens[tenant] = (await stack.cli(['token', '--tenant', tenant])).trim();
  }
}, 90_000);

afterAll(async () => {
  await stack?.stop();
});

const postMessenger = async (tenant: Tenant, ...messaging: Record<string, unknown>[]) => {
  const signed = signedMetaRequest(secrets[tenant].meta, metaJson({ object: 'page', entry: [{ id: pageId, time: Date.now(), messaging }] }));
  const response = await fetch(endpoints[tenant].meta.url, { method: 'POST', body: signed.body, headers: signed.headers });
  expect(response.status).toBe(200);
};

const fromCustomer = (event: Record<string, unknown>) => ({ sender: { id: customerPsid }, recipient: { id: pageId }, timestamp: Date.now(), ...event });

const postTwilio = async (tenant: Tenant, fields: Record<string, string>) => {
  const { url } = endpoints[tenant].twilio;
  const signed = signedTwilioRequest(url, secrets[tenant].twilio, fields);
  const response = await fetch(url, { method: 'POST', body: signed.body, headers: signed.headers });
  expect(response.status).toBe(200);
};

const get = async (path: string, tenant: Tenant) => {
  const response = await fetch(`${stack.description.httpUrl}${path}`, { headers: { authorization: `Bearer ${tokens[tenant]}` } });
  expect(response.status).toBe(200);
  return (await response.json()) as Record<string, unknown>;
};

/** Every message of the tenant's, as its inbox reads them through the query API. */
const messagesOf = async (tenant: Tenant): Promise<StoredMessageView[]> => {
  const { conversations } = (await get('/conversations?limit=100', tenant)) as { conversations: { id: string }[] };
  const pages = await Promise.all(conversations.map(({ id }) => get(`/conversations/${id}/messages?limit=100`, tenant)));
  return pages.flatMap((page) => page.messages as StoredMessageView[]);
};

const messageOf = async (tenant: Tenant, providerMessageId: string) => (await messagesOf(tenant)).find((message) => message.providerMessageId === providerMessageId);

const stored = (tenant: Tenant, providerMessageId: string) => eventually(`${tenant}'s ${providerMessageId}`, () => messageOf(tenant, providerMessageId));

/** Resolves once the ingest queue is empty: every request posted so far has been processed. */
const drained = () =>
  waitUntil(async () => {
    const { ingestQueue } = (await (await fetch(`${stack.description.httpUrl}/health`)).json()) as { ingestQueue: { visible: number; inFlight: number; delayed: number } };
    return ingestQueue.visible + ingestQueue.inFlight + ingestQueue.delayed === 0;
  }, 'the ingest queue to drain');

describe("a tenant sending another tenant's provider ids through its own endpoint", () => {
  it("cannot edit, unsend or react to the other tenant's Messenger message", async () => {
    // Prepare
    const mid = `m_${newWamid()}`;
    await postMessenger('victim', fromCustomer({ message: { mid, text: 'the original words' } }));
    await stored('victim', mid);

    // Act
    await postMessenger(
      'attacker',
      fromCustomer({ message_edit: { mid, text: 'words put in their mouth', num_edit: 1 } }),
      fromCustomer({ reaction: { mid, action: 'react', reaction: 'angry', emoji: '😡' } }),
      fromCustomer({ message: { mid, is_deleted: true } }),
    );
    await drained();

    // Assess
    const message = await messageOf('victim', mid);
    expect(message).toMatchObject({ tenantId: 'victim', text: 'the original words' });
    expect(message).not.toHaveProperty('deleted');
    expect(message).not.toHaveProperty('editedAt');
    expect(message).not.toHaveProperty('customerReaction');
    expect(await messagesOf('attacker')).toEqual([]);
  });

  it("cannot fail the other tenant's Twilio message with a status callback", async () => {
    // Prepare
    const messageSid = twilioSid('SM');
    await postTwilio('victim', inboundSmsFields({ MessageSid: messageSid, From: customer, To: business, Body: 'mine' }));
    await stored('victim', messageSid);

    // Act
    await postTwilio('attacker', statusCallbackFields({ MessageSid: messageSid, MessageStatus: 'failed', ErrorCode: '30003' }));
    await drained();

    // Assess
    const message = await messageOf('victim', messageSid);
    expect(message).toMatchObject({ tenantId: 'victim', text: 'mine' });
    expect(message).not.toHaveProperty('status');
  });

  it("cannot suppress the other tenant's message or receipt by sending its id first", async () => {
    // Prepare: the attacker learns (or guesses) ids before the victim's provider sends them.
    const messageSid = twilioSid('SM');
    await postTwilio('attacker', inboundSmsFields({ MessageSid: messageSid, From: customer, To: business, Body: 'the attacker’s copy' }));
    await postTwilio('attacker', statusCallbackFields({ MessageSid: messageSid, MessageStatus: 'delivered' }));
    await stored('attacker', messageSid);
    await drained();

    // Act
    await postTwilio('victim', inboundSmsFields({ MessageSid: messageSid, From: customer, To: business, Body: 'the real message' }));
    await postTwilio('victim', statusCallbackFields({ MessageSid: messageSid, MessageStatus: 'delivered' }));

    // Assess: each tenant has its own message, and each receipt applied to its own tenant's.
    const victims = await eventually('the victim’s receipt to apply', async () => {
      const message = await messageOf('victim', messageSid);
      return message?.status === 'delivered' ? message : undefined;
    });
    expect(victims).toMatchObject({ tenantId: 'victim', text: 'the real message' });
    expect(await messageOf('attacker', messageSid)).toMatchObject({ tenantId: 'attacker', text: 'the attacker’s copy', status: 'delivered' });
  });
});
