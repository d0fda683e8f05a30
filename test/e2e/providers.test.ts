import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { providerNames } from '../../functions/providers/registry.ts';
import { socketUrl } from '../../lib/cli/tail.ts';
import { startLocalStackProcess, type LocalStackProcess } from '../helpers/local-stack.ts';
import { providerCredentials } from '../helpers/provider-credentials.ts';
import { openSocket, type RecordingSocket } from '../helpers/sockets.ts';

/**
 * Every registered provider through `npm start`: an endpoint added with the CLI, a signed
 * message sent as the provider would (`switchboard send`), and its frame on the tenant's
 * WebSocket. Meta also answers its subscription handshake and routes a shared app's
 * accounts to their tenants.
 */

interface EndpointOutput {
  endpointId: string;
  url: string;
}

const tenant = 'e2e-providers';
const verifyToken = 'e2e-verify-token';
let stack: LocalStackProcess;
let socket: RecordingSocket;

const connect = async (tenantId: string) => openSocket(socketUrl(stack.description.wsUrl, (await stack.cli(['token', '--tenant', tenantId])).trim()));

const addEndpoint = async (provider: string, extra: readonly string[] = []) =>
  JSON.parse(await stack.cli(['endpoint', 'add', '--provider', provider, '--tenant', tenant, '--secret', providerCredentials[provider]!.secret, '--verify-token', verifyToken, ...extra])) as EndpointOutput;

const messageFrame = (text: string) => (frame: Record<string, unknown>) =>
  frame.type === 'message.created' && String((frame.data as { text?: string } | undefined)?.text ?? '').includes(text);

beforeAll(async () => {
  stack = await startLocalStackProcess();
  socket = await connect(tenant);
}, 90_000);

afterAll(async () => {
  await socket?.close();
  await stack?.stop();
});

describe.each(providerNames)('%s through the local stack', (provider) => {
  it('acknowledges a signed message and pushes it to the tenant as message.created', async () => {
    // Prepare
    const endpoint = await addEndpoint(provider);
    const text = `Hello through ${provider} ✓ ${Date.now()}`;

    // Act
    const answer = await stack.cli(['send', endpoint.endpointId, '--text', text]);
    const frame = await socket.waitFor(messageFrame(text), 15_000);

    // Assess
    expect(answer).toMatch(/^HTTP 20\d/);
    expect(frame).toMatchObject({ tenantId: tenant, data: { provider, direction: 'inbound' } });
  });
});

describe('meta on the local stack', () => {
  it("answers the subscription handshake with the challenge, and refuses a wrong token with 403", async () => {
    const endpoint = await addEndpoint('meta');
    const handshake = (token: string) => fetch(`${endpoint.url}?hub.mode=subscribe&hub.verify_token=${token}&hub.challenge=1158201444`);

    const accepted = await handshake(verifyToken);
    const refused = await handshake('guess');

    expect(accepted.status).toBe(200);
    expect(await accepted.text()).toBe('1158201444');
    expect(refused.status).toBe(403);
  });

  it("routes a shared app's phone number to the tenant that owns it", async () => {
    const routedSocket = await connect('e2e-routed');
    try {
      const endpoint = await addEndpoint('meta', ['--route', '106540352242922=e2e-routed']);
      const text = `Routed ${Date.now()}`;

      await stack.cli(['send', endpoint.endpointId, '--text', text, '--to', '106540352242922']);
      const frame = await routedSocket.waitFor(messageFrame(text), 15_000);

      expect(frame).toMatchObject({ tenantId: 'e2e-routed' });
      expect(socket.frames.filter(messageFrame(text))).toEqual([]);
    } finally {
      await routedSocket.close();
    }
  });
});
