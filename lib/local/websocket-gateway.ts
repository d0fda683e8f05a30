import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { WebSocketServer, type WebSocket } from 'ws';
import { closeServer } from './http-gateway.ts';
import { lambdaContext, type LambdaHandler } from './lambda-context.ts';

export interface WebSocketRoute {
  readonly functionName: string;
  readonly handler: LambdaHandler<APIGatewayProxyEvent, APIGatewayProxyResult | void>;
}

export interface WebSocketGatewayOptions {
  readonly port: number;
  /** Route keys as on API Gateway: $connect, $disconnect, $default, or an `action` value. */
  readonly routes: Readonly<Record<string, WebSocketRoute>>;
  onError(error: unknown): void;
}

/** A WebSocket event as API Gateway shapes it, for a route and connection. */
const socketEvent = (
  routeKey: string,
  eventType: 'CONNECT' | 'DISCONNECT' | 'MESSAGE',
  connectionId: string,
  request: IncomingMessage,
  body?: string,
): APIGatewayProxyEvent => {
  const url = new URL(request.url ?? '/', 'ws://local');
  const query = Object.fromEntries(url.searchParams);
  return {
    resource: '',
    path: '',
    httpMethod: 'GET',
    headers: Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, String(value)])),
    multiValueHeaders: {},
    queryStringParameters: eventType === 'CONNECT' && Object.keys(query).length > 0 ? query : null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    requestContext: {
      routeKey,
      eventType,
      connectionId,
      messageDirection: 'IN',
      stage: 'local',
      apiId: 'local',
      requestId: randomUUID(),
      requestTimeEpoch: Date.now(),
      domainName: request.headers.host ?? '127.0.0.1',
    } as unknown as APIGatewayProxyEvent['requestContext'],
    body: body ?? null,
    isBase64Encoded: false,
  };
};

/**
 * API Gateway's WebSocket API on 127.0.0.1: $connect decides whether a socket opens,
 * messages are routed on their `action`, $disconnect follows every close, and the same port
 * serves the @connections management API the broadcaster's ApiGatewayManagementApiClient calls.
 */
export const startWebSocketGateway = async ({ port, routes, onError }: WebSocketGatewayOptions) => {
  const sockets = new Map<string, { socket: WebSocket; connectedAt: number; request: IncomingMessage }>();
  const upgrades = new WebSocketServer({ noServer: true, maxPayload: 128 * 1024 });

  const invoke = async (routeKey: string, event: APIGatewayProxyEvent) => {
    const route = routes[routeKey];
    return route ? route.handler(event, lambdaContext(route.functionName)) : undefined;
  };

  const manage = (request: IncomingMessage, response: ServerResponse, connectionId: string) => {
    const entry = sockets.get(connectionId);
    if (!entry) {
      response.writeHead(410, { 'content-type': 'application/json', 'x-amzn-errortype': 'GoneException' });
      response.end(JSON.stringify({ message: `connection ${connectionId} is gone` }));
      return;
    }
    if (request.method === 'POST') {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        entry.socket.send(Buffer.concat(chunks).toString('utf8'));
        response.writeHead(200).end();
      });
    } else if (request.method === 'DELETE') {
      entry.socket.close(1000);
      response.writeHead(204).end();
    } else {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ connectedAt: new Date(entry.connectedAt).toISOString(), identity: { sourceIp: entry.request.socket.remoteAddress } }));
    }
  };

  const server = createServer((request, response) => {
    const match = /^\/@connections\/([^/?]+)$/.exec(request.url ?? '');
    if (!match?.[1]) {
      response.writeHead(426, { 'content-type': 'application/json' }).end(JSON.stringify({ message: 'Upgrade Required' }));
      return;
    }
    manage(request, response, decodeURIComponent(match[1]));
  });

  server.on('upgrade', async (request, socket, head) => {
    // API Gateway's connection ids look like "L0SM9cOFvHcCIhw=": opaque and URL-unsafe.
    const connectionId = randomBytes(10).toString('base64');
    try {
      const result = await invoke('$connect', socketEvent('$connect', 'CONNECT', connectionId, request));
      const statusCode = result?.statusCode ?? 200;
      if (statusCode < 200 || statusCode > 299) {
        socket.end(`HTTP/1.1 ${statusCode} ${statusCode === 401 ? 'Unauthorized' : 'Forbidden'}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
        return;
      }
    } catch (error) {
      onError(error);
      socket.end('HTTP/1.1 500 Internal Server Error\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    upgrades.handleUpgrade(request, socket, head, (ws) => {
      sockets.set(connectionId, { socket: ws, connectedAt: Date.now(), request });
      ws.on('message', async (data) => {
        const body = data.toString();
        let action: unknown;
        try {
          action = (JSON.parse(body) as { action?: unknown }).action;
        } catch {
          action = undefined;
        }
        const routeKey = typeof action === 'string' && routes[action] ? action : '$default';
        if (!routes[routeKey]) {
          ws.send(JSON.stringify({ message: 'Forbidden', connectionId, requestId: randomUUID() }));
          return;
        }
        try {
          await invoke(routeKey, socketEvent(routeKey, 'MESSAGE', connectionId, request, body));
        } catch (error) {
          onError(error);
          ws.send(JSON.stringify({ message: 'Internal server error', connectionId, requestId: randomUUID() }));
        }
      });
      ws.on('close', async () => {
        sockets.delete(connectionId);
        try {
          await invoke('$disconnect', socketEvent('$disconnect', 'DISCONNECT', connectionId, request));
        } catch (error) {
          onError(error);
        }
      });
    });
  });

  server.listen(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    async stop(): Promise<void> {
      for (const { socket } of sockets.values()) socket.terminate();
      upgrades.close();
      await closeServer(server);
    },
  };
};
