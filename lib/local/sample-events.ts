import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { fileURLToPath } from 'node:url';
import { sealCredentials, sendKeyOf } from '../../functions/adapters/credential-box.ts';
import { createEndpointStore } from '../../functions/adapters/endpoint-store.ts';
import { webhookUrl } from '../../functions/core/ack.ts';
import type { Endpoint } from '../../functions/core/endpoint.ts';
import type { SendCredentials } from '../../functions/core/outbound.ts';
import { issueToken } from '../../functions/core/tokens.ts';
import { loadProvider } from '../../functions/providers/registry.ts';
import { functionNames, type FunctionName } from '../definitions/functions.ts';
import { localCredentials } from './aws.ts';
import { defaultLocalTenant } from './default-tenant.ts';
import type { LocalStackDescription } from './stack.ts';

/**
 * What turns a sample event in events/lambda/ into one the running local stack accepts, for
 * `npm run invoke` and the events `npm run sam:env` writes: a sample cannot hold a token that
 * is still valid, nor a signature for every port the stack may listen on.
 */

/** One sample event per function, named `<function>.json` or `<function>-<what>.json`. */
export const lambdaSamplesDir = fileURLToPath(new URL('../../events/lambda/', import.meta.url));

/** The function a sample in lambdaSamplesDir is for, by its name. */
export const functionOfSample = (file: string): FunctionName | undefined => functionNames.find((name) => file === `${name}.json` || file.startsWith(`${name}-`));

/**
 * The endpoint the ack sample (events/lambda/ack-twilio.json) and the Twilio request samples
 * (events/twilio/) are addressed to. Its secret is public, in this repository: it is registered
 * only on a local stack, and only when a sample addressed to it is prepared.
 */
export const sampleEndpoint: Endpoint = {
  endpointId: 'ep_sampleTwilioEndpoint000000000',
  provider: 'twilio',
  // The banner's tenant, so that the samples show up behind its inbox link.
  tenantId: defaultLocalTenant,
  secrets: ['sample-auth-token'],
  createdAt: '2026-11-23T00:00:00.000Z',
};

/** `{{token:<tenant>}}`, anywhere in a string of the event. */
const tokenPlaceholder = /\{\{token:([A-Za-z0-9._-]{1,64})\}\}/g;
/** As long as the token the banner of `npm start` prints. */
const sampleTokenLifetimeSeconds = 3600;

/** Every string in a JSON value, replaced. */
const mapStrings = async (value: unknown, replace: (text: string) => Promise<string>): Promise<unknown> => {
  if (typeof value === 'string') return replace(value);
  if (Array.isArray(value)) return Promise.all(value.map((item) => mapStrings(item, replace)));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(await Promise.all(Object.entries(value).map(async ([key, item]) => [key, await mapStrings(item, replace)] as const)));
  }
  return value;
};

const withFreshTokens = (event: unknown, jwtSecret: string): Promise<unknown> => {
  const tokens = new Map<string, Promise<string>>();
  const tokenFor = (tenant: string) => tokens.get(tenant) ?? tokens.set(tenant, issueToken(tenant, jwtSecret, sampleTokenLifetimeSeconds)).get(tenant)!;
  return mapStrings(event, async (text) => {
    let filled = text;
    for (const [placeholder, tenant = ''] of text.matchAll(tokenPlaceholder)) filled = filled.replace(placeholder, await tokenFor(tenant));
    return filled;
  });
};

interface WebhookEvent {
  readonly pathParameters?: { readonly provider?: string; readonly endpointId?: string } | null;
  readonly headers?: Record<string, string> | null;
  readonly multiValueHeaders?: Record<string, string[]> | null;
  readonly queryStringParameters?: Record<string, string> | null;
  readonly multiValueQueryStringParameters?: Record<string, string[]> | null;
  readonly body?: string | null;
  readonly isBase64Encoded?: boolean;
}

const isSampleWebhook = (event: unknown): event is WebhookEvent => {
  const path = (event as WebhookEvent | null)?.pathParameters;
  return path?.provider === sampleEndpoint.provider && path.endpointId === sampleEndpoint.endpointId;
};

/** A reply (events/lambda/send-reply.json): it goes out through the endpoint of the sample's conversation, which must be there to send. */
const isSampleReply = (event: unknown): boolean => {
  const { httpMethod, resource } = (event ?? {}) as { httpMethod?: string; resource?: string };
  return httpMethod === 'POST' && resource === '/conversations/{id}/messages';
};

/** The sample endpoint's send credentials: an account the stack's Twilio stand-in knows by them, as Twilio knows its own. */
const sampleSendCredentials: SendCredentials = { provider: 'twilio', accountSid: 'AC0123456789abcdef0123456789abcdef', authToken: sampleEndpoint.secrets[0] ?? '' };

/** Registers the sample endpoint, able to send (the reply sample), unless an earlier sample (or a run with --data-dir) did. */
const registerSampleEndpoint = async (stack: LocalStackDescription): Promise<void> => {
  const client = new DynamoDBClient({ endpoint: stack.dynamodbEndpoint, region: stack.region, credentials: localCredentials });
  const sending = { sealedCredentials: sealCredentials(sendKeyOf(stack.sendKey), sampleEndpoint.endpointId, sampleSendCredentials), updatedAt: sampleEndpoint.createdAt };
  try {
    await createEndpointStore(DynamoDBDocumentClient.from(client), stack.tables.Endpoints).put({ ...sampleEndpoint, sending });
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  } finally {
    client.destroy();
  }
};

/** One value per name, and the same as API Gateway's lists of values. */
const bothForms = (values: Record<string, string>) => ({ single: values, multi: Object.fromEntries(Object.entries(values).map(([name, value]) => [name, [value]])) });

/**
 * The sample webhook as its provider would send it to this stack now (the provider's own
 * `resign`): signed for the stack's public URL, which the ack verifies against, with a fresh
 * timestamp where the provider signs one.
 */
const signedForStack = async (event: WebhookEvent, stack: LocalStackDescription): Promise<WebhookEvent> => {
  const provider = await loadProvider(sampleEndpoint.provider);
  if (!provider) throw new Error(`no provider ${sampleEndpoint.provider}`);
  const url = webhookUrl(stack.publicBaseUrl, sampleEndpoint.provider, sampleEndpoint.endpointId);
  const recorded = {
    url,
    headers: Object.fromEntries(Object.entries(event.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value])),
    body: Buffer.from(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8').toString('utf8'),
  };
  const resigned = provider.resign(recorded, { url, secret: sampleEndpoint.secrets[0] ?? '', now: new Date() });
  const headers = bothForms(resigned.headers);
  const query = [...new URL(resigned.url).searchParams];
  const queries = query.length > 0 ? bothForms(Object.fromEntries(query)) : undefined;
  return {
    ...event,
    headers: headers.single,
    multiValueHeaders: headers.multi,
    queryStringParameters: queries?.single ?? null,
    multiValueQueryStringParameters: queries?.multi ?? null,
    body: event.isBase64Encoded ? Buffer.from(resigned.body).toString('base64') : resigned.body,
  };
};

/**
 * The event, ready for the running stack: each `{{token:<tenant>}}` becomes a token for that
 * tenant, signed with the stack's secret and valid for an hour; a webhook addressed to the
 * sample endpoint gets that endpoint registered and is signed again for the stack's public URL.
 * Any other event is returned as it is.
 */
export const prepareSampleEvent = async (event: unknown, stack: LocalStackDescription): Promise<unknown> => {
  const filled = await withFreshTokens(event, stack.jwtSecret);
  if (isSampleReply(filled)) await registerSampleEndpoint(stack);
  if (!isSampleWebhook(filled)) return filled;
  await registerSampleEndpoint(stack);
  return await signedForStack(filled, stack);
};
