import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { eventIdFor, messageIdFor } from '../../functions/core/ids.ts';
import { eventKey, messageKey } from '../../functions/core/items.ts';
import { loadProvider, providerNames } from '../../functions/providers/registry.ts';
import type { Provider } from '../../functions/providers/types.ts';
import { addEndpoint } from '../../lib/cli/endpoint.ts';
import { readEventFile } from '../../lib/cli/event-file.ts';
import { send } from '../../lib/cli/send.ts';
import { resolveTarget, type Target } from '../../lib/cli/target.ts';
import { localCredentials } from '../../lib/local/aws.ts';
import { startLocalStackProcess, type LocalStackProcess } from '../helpers/local-stack.ts';
import { providerCredentials } from '../helpers/provider-credentials.ts';
import { eventually } from '../helpers/waiting.ts';

/**
 * Every file in events/<provider>/ posted to `npm start` as `switchboard send --event` posts
 * it: signed afresh for an endpoint of that provider (another secret, URL and time than the
 * file's), answered with the provider's own 2xx, and every message and event it carries stored. A file
 * added later is covered without a change here.
 */

const tenant = 'e2e-event-files';
const eventFiles = providerNames.flatMap((provider) =>
  readdirSync(new URL(`../../events/${provider}/`, import.meta.url))
    .filter((file) => file.endsWith('.json'))
    .map((file) => [`events/${provider}/${file}`, provider] as const),
);

let stack: LocalStackProcess;
let target: Target;
let messages: DynamoDBDocumentClient;
const endpointIds = new Map<string, string>();

beforeAll(async () => {
  stack = await startLocalStackProcess();
  vi.stubEnv('SWITCHBOARD_STATE_FILE', stack.stateFile);
  target = await resolveTarget(undefined);
  messages = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: stack.description.dynamodbEndpoint, region: stack.description.region, credentials: localCredentials }));
  for (const provider of providerNames) {
    const secrets = [providerCredentials[provider]!.secret];
    const { endpointId } = await addEndpoint(target, { provider, tenant, secrets, ...(provider === 'meta' && { verifyToken: 'e2e-verify-token' }) });
    endpointIds.set(provider, endpointId);
  }
}, 90_000);

afterAll(async () => {
  messages?.destroy();
  vi.unstubAllEnvs();
  await stack?.stop();
});

/** The keys the processor stores what a file carries under, as process.ts derives them: a message's, and an event's for anything else. */
const storedKeys = async (provider: Provider, endpointId: string, path: string) => {
  const { request } = await readEventFile(path);
  const events = provider.normalize({ ...request, body: Buffer.from(request.body) });
  const scope = { tenantId: tenant, namespace: provider.idsUniqueWithin === 'endpoint' ? `${provider.name}/${endpointId}` : provider.name };
  const keys = events.flatMap((event) => {
    if (event.kind === 'message') return [messageKey(messageIdFor(scope, event.providerMessageId))];
    // A receipt about several messages is one record per message.
    const about = event.kind === 'status' && event.providerMessageIds.length > 1 ? event.providerMessageIds.map((id) => `${event.eventId}#${id}`) : [event.eventId];
    return about.map((eventId) => eventKey(eventIdFor(scope, eventId)));
  });
  return [...new Map(keys.map((key) => [key.pk, key])).values()];
};

const storedItem = async (key: { pk: string; sk: string }) =>
  (await messages.send(new GetCommand({ TableName: stack.description.tables.Messages, Key: key }))).Item;

describe('every file in events/<provider>/, sent with switchboard send --event to npm start', () => {
  it.each(eventFiles)('%s is accepted and what it carries is stored', async (path, providerName) => {
    // Prepare
    const provider = (await loadProvider(providerName))!;
    const endpointId = endpointIds.get(providerName)!;
    const ack = provider.acknowledge({ url: '', headers: {}, body: Buffer.alloc(0) });

    // Act
    const answer = await send(target, endpointId, { text: '', event: path, curl: false });
    const keys = await storedKeys(provider, endpointId, path);
    const stored = await Promise.all(keys.map((key) => eventually(`${path}: ${key.pk}`, () => storedItem(key), 15_000)));

    // Assess
    expect(answer).toEqual([`HTTP ${ack.statusCode} ${ack.headers['content-type'] ?? ''}`, ...ack.body.split('\n')]);
    expect(keys.length).toBeGreaterThan(0);
    expect(stored.map((item) => item.tenantId)).toEqual(keys.map(() => tenant));
  });
});
