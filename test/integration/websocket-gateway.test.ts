import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSocketPusher } from '../../functions/adapters/socket-pusher.ts';
import { localCredentials, localRegion } from '../../lib/local/aws.ts';
import { startWebSocketGateway } from '../../lib/local/websocket-gateway.ts';
import { openSocket } from '../helpers/sockets.ts';

/**
 * The local WebSocket gateway with the real socket pusher: $connect decides, @connections
 * delivers, and a closed connection answers GoneException, which the pusher reports as gone.
 */

const connected: string[] = [];
const disconnected: string[] = [];
let gateway: Awaited<ReturnType<typeof startWebSocketGateway>>;

beforeAll(async () => {
  gateway = await startWebSocketGateway({
    port: 0,
    routes: {
      $connect: {
        functionName: 'connect',
        handler: async (event: APIGatewayProxyEvent) => {
          if (event.queryStringParameters?.token !== 'good') return { statusCode: 401, body: '' };
          connected.push(event.requestContext.connectionId ?? '');
          return { statusCode: 200, body: '' };
        },
      },
      $disconnect: {
        functionName: 'disconnect',
        handler: async (event: APIGatewayProxyEvent) => {
          disconnected.push(event.requestContext.connectionId ?? '');
          return { statusCode: 200, body: '' };
        },
      },
    },
    onError: (error) => {
      throw error;
    },
  });
});
afterAll(async () => {
  await gateway?.stop();
});

const pusher = () =>
  createSocketPusher(
    new ApiGatewayManagementApiClient({ endpoint: gateway.url.replace(/^ws/, 'http'), region: localRegion, credentials: localCredentials }),
  );

describe('local WebSocket gateway', () => {
  it('refuses a connection its $connect handler refuses, with that status', async () => {
    await expect(openSocket(`${gateway.url}/?token=bad`)).rejects.toThrow('HTTP 401');
  });

  it('delivers through @connections, then reports the connection gone once it closed', async () => {
    // Prepare
    const client = await openSocket(`${gateway.url}/?token=good`);
    const connectionId = connected.at(-1) ?? '';

    // Act
    const sent = await pusher().send(connectionId, JSON.stringify({ type: 'hello' }));
    await client.waitFor((frame) => frame.type === 'hello');
    await client.close();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const afterClose = await pusher().send(connectionId, JSON.stringify({ type: 'late' }));

    // Assess
    expect(sent).toBe('sent');
    expect(afterClose).toBe('gone');
    expect(disconnected).toContain(connectionId);
    expect(client.frames).toEqual([{ type: 'hello' }]);
  });

  it('answers an unrouted message as API Gateway does, without closing the socket', async () => {
    const client = await openSocket(`${gateway.url}/?token=good`);

    client.socket.send(JSON.stringify({ action: 'nothing-here' }));
    const reply = await client.waitFor((frame) => frame.message === 'Forbidden');
    await client.close();

    expect(reply).toMatchObject({ message: 'Forbidden' });
  });
});
