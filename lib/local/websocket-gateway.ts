import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { WebSocketServer, type WebSocket } from 'ws';
import { listeningUrl, loopbackHost } from './address.ts';
import { localCredentials, localRegion } from './aws.ts';
import { closeServer, defaultRequestTimeouts, guardedServerOptions, readBody, type RequestTimeouts } from './http-gateway.ts';
import { invokeWithTimeout, timeoutOf, type LambdaHandler } from './lambda-context.ts';
import { createSigV4Verifier } from './sigv4-verifier.ts';
import type { AwsCredentialIdentity } from '@smithy/types';

export interface WebSocketRoute {
  readonly functionName: string;
  readonly handler: LambdaHandler<APIGatewayProxyEvent, APIGatewayProxyResult | void>;
}

export interface WebSocketGatewayOptions {
  readonly port: number;
  /** The address to listen on; loopback when absent. */
  readonly host?: string;
  /** Route keys as on API Gateway: $connect, $disconnect, $default, or an `action` value. */
  readonly routes: Readonly<Record<string, WebSocketRoute>>;
  readonly timeouts?: RequestTimeouts;
  /**
   * Who may sign @connections calls, by access key id: the credentials of that key, or
   * undefined for a key AWS would not know. The stack's own credentials by default.
   */
  credentialsOf?(accessKeyId: string): AwsCredentialIdentity | undefined;
  /** Why a correctly signed @connections call is refused (IAM's AccessDenied), or undefined when it is allowed. */
  authorize?(authorization: string | undefined): string | undefined;
  onError(error: unknown): void;
}

/** API Gateway's limit on a frame, sent or posted to @connections. */
const maxFrameBytes = 128 * 1024;

/**
 * The route of a client's message. Only $connect, $disconnect and $default are API Gateway's
 * own (`$`) routes, and no client message reaches the first two: `{"action":"$disconnect"}`
 * goes where any unknown action goes.
 */
const routeKeyOf = (body: string, routes: Readonly<Record<string, WebSocketRoute>>): string => {
  let action: unknown;
  try {
    action = (JSON.parse(body) as { action?: unknown }).action;
  } catch {
    action = undefined;
  }
  return typeof action === 'string' && !action.startsWith('$') && routes[action] ? action : '$default';
};

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

/** The connection a management API path names; a malformed escape names none, so it is answered as gone. */
const connectionIdOf = (target: string): string | undefined => {
  const id = /^\/@connections\/([^/?]+)$/.exec(target)?.[1];
  if (id === undefined) return undefined;
  try {
    return decodeURIComponent(id);
  } catch {
    return id;
  }
};

/**
 * API Gateway's WebSocket API on `host` (loopback unless told otherwise): $connect decides
 * whether a socket opens, messages are routed on their `action`, $disconnect follows every
 * close, and the same port serves the @connections management API the broadcaster's
 * ApiGatewayManagementApiClient calls, which, as on AWS (IAM), takes requests signed with
 * SigV4 by the stack's credentials only.
 */
export const startWebSocketGateway = async ({ port, host = loopbackHost, routes, timeouts = defaultRequestTimeouts, credentialsOf, authorize, onError }: WebSocketGatewayOptions) => {
  const sockets = new Map<string, { socket: WebSocket; connectedAt: number; request: IncomingMessage }>();
  const upgrades = new WebSocketServer({ noServer: true, maxPayload: maxFrameBytes });
  const verifySignature = createSigV4Verifier({ credentials: credentialsOf ?? localCredentials, region: localRegion, service: 'execute-api' });

  const invoke = async (routeKey: string, event: APIGatewayProxyEvent) => {
    const route = routes[routeKey];
    if (!route) return undefined;
    const { handler, functionName } = route;
    return invokeWithTimeout(handler, event, { functionName, timeoutSeconds: timeoutOf(functionName), consequence: `the ${routeKey} route failed` });
  };

  const refuse = (response: ServerResponse, statusCode: number, errorType: string, message: string) => {
    response.writeHead(statusCode, { 'content-type': 'application/json', 'x-amzn-errortype': errorType }).end(JSON.stringify({ message }));
  };

  const manage = async (request: IncomingMessage, response: ServerResponse, connectionId: string) => {
    const body = await readBody(request, maxFrameBytes);
    if (!body) {
      refuse(response, 413, 'PayloadTooLargeException', `a frame is at most ${maxFrameBytes} bytes`);
      return;
    }
    const refusal = await verifySignature({ method: request.method ?? 'GET', target: request.url ?? '/', headers: request.headers, body });
    if (refusal) {
      refuse(response, 403, refusal.errorType, refusal.message);
      return;
    }
    const denied = authorize?.(request.headers.authorization);
    if (denied) {
      refuse(response, 403, 'AccessDeniedException', denied);
      return;
    }
    const entry = sockets.get(connectionId);
    if (!entry) {
      refuse(response, 410, 'GoneException', `connection ${connectionId} is gone`);
      return;
    }
    if (request.method === 'POST') {
      entry.socket.send(body.toString('utf8'));
      response.writeHead(200).end();
    } else if (request.method === 'DELETE') {
      entry.socket.close(1000);
      response.writeHead(204).end();
    } else {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ connectedAt: new Date(entry.connectedAt).toISOString(), identity: { sourceIp: entry.request.socket.remoteAddress } }));
    }
  };

  const server = createServer(guardedServerOptions(timeouts), (request, response) => {
    const connectionId = connectionIdOf(request.url ?? '');
    if (connectionId === undefined) {
      request.resume();
      response.writeHead(426, { 'content-type': 'application/json' }).end(JSON.stringify({ message: 'Upgrade Required' }));
      return;
    }
    manage(request, response, connectionId).catch((error: unknown) => {
      onError(error);
      if (!response.headersSent) refuse(response, 500, 'InternalServerErrorException', 'Internal server error');
    });
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
        const routeKey = routeKeyOf(body, routes);
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

  server.listen(port, host);
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  const url = listeningUrl('ws', server);
  return {
    url,
    async stop(): Promise<void> {
      for (const { socket } of sockets.values()) socket.terminate();
      upgrades.close();
      await closeServer(server);
    },
  };
};
