import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMessageStore } from '../../functions/adapters/message-store.ts';
import { issueToken } from '../../functions/core/tokens.ts';
import { startHttpGateway } from '../../lib/local/http-gateway.ts';
import { aConversationKey, aStoredMessage } from '../helpers/factories.ts';
import { freePort } from '../helpers/ports.ts';
import { startDynamoDb, startJwtSecret } from '../helpers/services.ts';

/**
 * The inbox page as the local HTTP gateway serves it (files, content types, no way out of
 * inbox/), the deployed query handler's CORS answers through that gateway against DynamoDB
 * Local, and `npm run build:inbox`.
 */

const root = fileURLToPath(new URL('../../', import.meta.url));
const inboxDir = join(root, 'inbox');
const jwtSecret = 'inbox-integration-secret';
let dynamo: Awaited<ReturnType<typeof startDynamoDb>>;
let secrets: Awaited<ReturnType<typeof startJwtSecret>>;
let gateway: Awaited<ReturnType<typeof startHttpGateway>>;
const errors: unknown[] = [];

beforeAll(async () => {
  dynamo = await startDynamoDb();
  secrets = await startJwtSecret(jwtSecret);
  Object.assign(process.env, {
    ...dynamo.handlerEnvironment,
    MESSAGES_TABLE: dynamo.tables.Messages,
    FEED_TABLE: dynamo.tables.Feed,
    STATS_TABLE: dynamo.tables.Stats,
    // The bucket whose kept media the query function signs links to.
    BODY_BUCKET: 'bodies',
    ...secrets.handlerEnvironment,
  });
  const { handler } = (await import('../../functions/query/handler.ts')) as {
    handler: (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;
  };
  gateway = await startHttpGateway({
    port: await freePort(),
    routes: [
      { method: 'GET', resource: '/conversations', functionName: 'query', handler },
      { method: 'OPTIONS', resource: '/conversations', functionName: 'query', handler },
    ],
    staticDir: inboxDir,
    onError: (error) => errors.push(error),
  });
});

afterAll(async () => {
  await gateway?.stop();
  await secrets?.stop();
  await dynamo?.stop();
});

/** A GET with the path sent exactly as given: fetch would resolve `..` before sending. */
const rawGet = (path: string): Promise<{ status: number; contentType: string | undefined; body: string }> =>
  new Promise((resolve, reject) => {
    const { hostname, port } = new URL(gateway.url);
    const request = httpRequest({ hostname, port, path, method: 'GET' }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, contentType: response.headers['content-type'], body }));
    });
    request.on('error', reject);
    request.end();
  });

describe('the inbox page on the local gateway', () => {
  it.each([
    ['/', 'index.html', 'text/html; charset=utf-8'],
    ['/index.html', 'index.html', 'text/html; charset=utf-8'],
    ['/inbox.css', 'inbox.css', 'text/css; charset=utf-8'],
    ['/app.js', 'app.js', 'text/javascript; charset=utf-8'],
    ['/model.js', 'model.js', 'text/javascript; charset=utf-8'],
  ])('serves %s as inbox/%s (%s)', async (path, file, contentType) => {
    const expected = await readFile(join(inboxDir, file), 'utf8');

    const response = await fetch(`${gateway.url}${path}`);

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(contentType);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await response.text()).toBe(expected);
  });

  it.each(['/../package.json', '/..%2fpackage.json', '/%2e%2e/package.json', '/..%5cpackage.json', '/%2e%2e%2f%2e%2e%2fetc/passwd', '/inbox/../../package.json'])(
    'refuses to leave inbox/: %s',
    async (path) => {
      const response = await rawGet(path);

      expect(response.status).toBe(404);
      expect(response.body).not.toContain('"dependencies"');
      expect(response.body).not.toContain('root:');
    },
  );

  it('answers 404 for a file that is not there or of another type, and 400 for a bad escape', async () => {
    const [missing, wrongType, badEscape] = await Promise.all([rawGet('/nothing.js'), rawGet('/README.md'), rawGet('/%E0%A4%A.js')]);

    expect([missing.status, wrongType.status, badEscape.status]).toEqual([404, 404, 400]);
    expect(missing.contentType).toBe('application/json');
  });

  it('routes before files: an API path is never looked up in inbox/', async () => {
    const response = await fetch(`${gateway.url}/conversations`);

    expect(response.status).toBe(401);
  });
});

describe('CORS for an inbox on another origin', () => {
  it('answers the preflight of a GET with Authorization without a token', async () => {
    const response = await fetch(`${gateway.url}/conversations`, {
      method: 'OPTIONS',
      headers: { origin: 'https://inbox.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
    });

    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    // One preflight per path for the query and send functions: a conversation's messages are also where a reply is POSTed.
    expect(response.headers.get('access-control-allow-methods')).toBe('GET, POST, OPTIONS');
    expect(response.headers.get('access-control-allow-headers')).toBe('authorization, content-type, idempotency-key');
  });

  it('lets any origin read answers and refusals', async () => {
    const key = aConversationKey({ tenantId: 'acme' });
    const message = aStoredMessage({}, key);
    expect(await createMessageStore(dynamo.documentClient, dynamo.tables.Messages).saveMessage(message, key)).toBe('stored');
    const token = await issueToken('acme', jwtSecret, 300);

    const answer = await fetch(`${gateway.url}/conversations`, { headers: { origin: 'https://inbox.example', authorization: `Bearer ${token}` } });
    const refusal = await fetch(`${gateway.url}/conversations`, { headers: { origin: 'https://inbox.example' } });

    expect(answer.status).toBe(200);
    expect(answer.headers.get('access-control-allow-origin')).toBe('*');
    expect(((await answer.json()) as { conversations: { id: string }[] }).conversations.map(({ id }) => id)).toEqual([message.conversationId]);
    expect(refusal.status).toBe(401);
    expect(refusal.headers.get('access-control-allow-origin')).toBe('*');
    expect(errors).toEqual([]);
  });
});

describe('npm run build:inbox', () => {
  it('copies inbox/ for a static host, with a config.json naming the API and the socket', async () => {
    const out = await mkdtemp(join(tmpdir(), 'inbox-build-'));
    try {
      await promisify(execFile)(process.execPath, ['bin/build-inbox.ts', '--out', out, '--api', 'https://api.example/prod', '--ws', 'wss://ws.example/prod'], { cwd: root });

      const files = (await readdir(out)).sort();
      const config = JSON.parse(await readFile(join(out, 'config.json'), 'utf8')) as unknown;
      const page = await readFile(join(out, 'index.html'), 'utf8');

      expect(files).toEqual([...(await readdir(inboxDir)), 'config.json', 'vendor'].sort());
      expect(config).toEqual({ api: 'https://api.example/prod', ws: 'wss://ws.example/prod' });
      expect(page).toBe(await readFile(join(inboxDir, 'index.html'), 'utf8'));
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});
