import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity } from '@smithy/types';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Sha256 } from '../../functions/adapters/sha256.ts';
import { createSocketPusher } from '../../functions/adapters/socket-pusher.ts';
import { localCredentials, localRegion } from '../../lib/local/aws.ts';
import { startWebSocketGateway } from '../../lib/local/websocket-gateway.ts';
import { openSocket } from '../helpers/sockets.ts';

/**
 * The local WebSocket gateway with the real socket pusher: $connect decides, @connections
 * delivers to callers that sign with the stack's credentials (as IAM requires on AWS) and
 * refuses everyone else, and a closed connection answers GoneException, which the pusher
 * reports as gone. A client cannot reach the $-routes with a message.
 */

const connected: string[] = [];
const disconnected: string[] = [];
/** Every route invocation, whatever its outcome. */
const invocations: { routeKey: string; connectionId: string }[] = [];
const record = (event: APIGatewayProxyEvent) => invocations.push({ routeKey: event.requestContext.routeKey ?? '', connectionId: event.requestContext.connectionId ?? '' });
let gateway: Awaited<ReturnType<typeof startWebSocketGateway>>;

beforeAll(async () => {
  gateway = await startWebSocketGateway({
    port: 0,
    routes: {
      $connect: {
        functionName: 'connect',
        handler: async (event: APIGatewayProxyEvent) => {
          record(event);
          if (event.queryStringParameters?.token !== 'good') return { statusCode: 401, body: '' };
          connected.push(event.requestContext.connectionId ?? '');
          return { statusCode: 200, body: '' };
        },
      },
      $disconnect: {
        functionName: 'disconnect',
        handler: async (event: APIGatewayProxyEvent) => {
          record(event);
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

const managementUrl = () => gateway.url.replace(/^ws/, 'http');
const pusher = (credentials: AwsCredentialIdentity = localCredentials) =>
  createSocketPusher(new ApiGatewayManagementApiClient({ endpoint: managementUrl(), region: localRegion, credentials, maxAttempts: 1 }));
/** A socket that passed $connect, and its connection id. */
const connectedSocket = async () => {
  const client = await openSocket(`${gateway.url}/?token=good`);
  return { client, connectionId: connected.at(-1) ?? '' };
};

describe('local WebSocket gateway', () => {
  it('refuses a connection its $connect handler refuses, with that status', async () => {
    await expect(openSocket(`${gateway.url}/?token=bad`)).rejects.toThrow('HTTP 401');
  });

  it('delivers through @connections, then reports the connection gone once it closed', async () => {
    // Prepare
    const { client, connectionId } = await connectedSocket();

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

  it('routes a client message naming a $-route to $default, never to $connect or $disconnect', async () => {
    const { client, connectionId } = await connectedSocket();
    const before = invocations.length;

    client.socket.send(JSON.stringify({ action: '$disconnect' }));
    client.socket.send(JSON.stringify({ action: '$connect' }));
    await client.waitFor((frame) => frame.message === 'Forbidden');
    await new Promise((resolve) => setTimeout(resolve, 100));
    const invokedByMessages = invocations.slice(before);
    await client.close();

    // This gateway has no $default route: API Gateway answers Forbidden, as for any unknown action.
    expect(client.frames.filter((frame) => frame.message === 'Forbidden')).toHaveLength(2);
    expect(invokedByMessages).toEqual([]);
    expect(disconnected.filter((id) => id === connectionId)).toHaveLength(1);
  });
});

describe('local @connections API', () => {
  it('refuses unsigned calls with 403 as API Gateway does, and neither delivers nor disconnects', async () => {
    const { client, connectionId } = await connectedSocket();
    const url = `${managementUrl()}/@connections/${encodeURIComponent(connectionId)}`;

    const post = await fetch(url, { method: 'POST', body: JSON.stringify({ type: 'forged' }) });
    const remove = await fetch(url, { method: 'DELETE' });
    const read = await fetch(url);
    await pusher().send(connectionId, JSON.stringify({ type: 'signed' }));
    await client.waitFor((frame) => frame.type === 'signed');
    await client.close();

    for (const response of [post, remove, read]) {
      expect(response.status).toBe(403);
      expect(response.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');
    }
    expect(client.frames).toEqual([{ type: 'signed' }]);
  });

  it('refuses calls signed with another secret, another key, or for another body', async () => {
    const { client, connectionId } = await connectedSocket();
    const url = new URL(`${managementUrl()}/@connections/${encodeURIComponent(connectionId)}`);
    const signed = await new SignatureV4({ service: 'execute-api', region: localRegion, credentials: localCredentials, sha256: Sha256 }).sign({
      method: 'POST',
      protocol: 'http:',
      hostname: url.hostname,
      port: Number(url.port),
      path: url.pathname,
      headers: { host: url.host },
      body: JSON.stringify({ type: 'signed-for-this' }),
    });

    const wrongSecret = pusher({ accessKeyId: localCredentials.accessKeyId, secretAccessKey: 'guessed' }).send(connectionId, JSON.stringify({ type: 'forged' }));
    const wrongKey = pusher({ accessKeyId: 'AKIAOTHER', secretAccessKey: localCredentials.secretAccessKey }).send(connectionId, JSON.stringify({ type: 'forged' }));
    const swappedBody = await fetch(url, { method: 'POST', headers: signed.headers, body: JSON.stringify({ type: 'forged' }) });
    await expect(wrongSecret).rejects.toMatchObject({ $metadata: { httpStatusCode: 403 } });
    await expect(wrongKey).rejects.toMatchObject({ $metadata: { httpStatusCode: 403 } });
    const genuine = await fetch(url, { method: 'POST', headers: signed.headers, body: JSON.stringify({ type: 'signed-for-this' }) });
    await client.waitFor((frame) => frame.type === 'signed-for-this');
    await client.close();

    expect(swappedBody.status).toBe(403);
    expect(genuine.status).toBe(200);
    expect(client.frames).toEqual([{ type: 'signed-for-this' }]);
  });
});
