import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, resolve, sep } from 'node:path';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { lambdaContext, type LambdaHandler } from './lambda-context.ts';

export interface HttpRoute {
  readonly method: string;
  /** An API Gateway resource path, e.g. /webhooks/{provider}/{endpointId}. */
  readonly resource: string;
  readonly functionName: string;
  readonly handler: LambdaHandler<APIGatewayProxyEvent, APIGatewayProxyResult>;
}

/** Closes a server and every connection still open on it, keep-alive ones included. */
export const closeServer = (server: Server): Promise<void> =>
  new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });

/** API Gateway's own limit on a request payload. */
const maxPayloadBytes = 10 * 1024 * 1024;

const matchResource = (resource: string, path: string): Record<string, string> | undefined => {
  const expected = resource.split('/');
  const actual = path.split('/');
  if (expected.length !== actual.length) return undefined;
  const parameters: Record<string, string> = {};
  for (const [index, part] of expected.entries()) {
    const segment = actual[index] ?? '';
    const parameter = /^\{(\w+)\}$/.exec(part)?.[1];
    if (parameter && segment !== '') parameters[parameter] = decodeURIComponent(segment);
    else if (part !== segment) return undefined;
  }
  return parameters;
};

const multiValue = (entries: Iterable<[string, string]>): Record<string, string[]> => {
  const values: Record<string, string[]> = {};
  for (const [name, value] of entries) (values[name] ??= []).push(value);
  return values;
};

const lastValues = (values: Record<string, string[]>): Record<string, string> =>
  Object.fromEntries(Object.entries(values).map(([name, list]) => [name, list.at(-1) ?? '']));

/** The REST API proxy event API Gateway would send, every body base64-encoded as the deployed API (all media types binary) sends it. */
const proxyEvent = (request: IncomingMessage, url: URL, route: HttpRoute, pathParameters: Record<string, string>, body: Buffer): APIGatewayProxyEvent => {
  const multiValueHeaders = multiValue(
    Object.entries(request.headersDistinct).flatMap(([name, values]) => (values ?? []).map((value) => [name, value] as [string, string])),
  );
  const multiValueQuery = multiValue(url.searchParams);
  const hasQuery = Object.keys(multiValueQuery).length > 0;
  return {
    resource: route.resource,
    path: url.pathname,
    httpMethod: route.method,
    headers: lastValues(multiValueHeaders),
    multiValueHeaders,
    queryStringParameters: hasQuery ? lastValues(multiValueQuery) : null,
    multiValueQueryStringParameters: hasQuery ? multiValueQuery : null,
    pathParameters,
    stageVariables: null,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      authorizer: null,
      protocol: `HTTP/${request.httpVersion}`,
      httpMethod: route.method,
      path: url.pathname,
      stage: 'local',
      requestId: randomUUID(),
      requestTimeEpoch: Date.now(),
      resourceId: 'local',
      resourcePath: route.resource,
      identity: {
        sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
        userAgent: request.headers['user-agent'] ?? null,
      } as APIGatewayProxyEvent['requestContext']['identity'],
    },
    body: body.toString('base64'),
    isBase64Encoded: true,
  };
};

/** The only files served from a static folder: the inbox's page, style sheet, scripts and config. */
const staticContentTypes: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
};

/**
 * A file of `root` for a GET of `pathname` (`/` and folders give their index.html), or
 * undefined. The decoded path must resolve inside `root`: `..` in any spelling goes nowhere.
 */
const staticFile = async (root: string, pathname: string): Promise<APIGatewayProxyResult | undefined> => {
  let relative: string;
  try {
    relative = decodeURIComponent(pathname);
  } catch {
    return undefined;
  }
  const file = resolve(root, `.${relative.endsWith('/') ? `${relative}index.html` : relative}`);
  const contentType = staticContentTypes[extname(file)];
  if (!file.startsWith(root + sep) || !contentType) return undefined;
  const body = await readFile(file).catch(() => undefined);
  if (!body) return undefined;
  return {
    statusCode: 200,
    headers: { 'content-type': contentType, 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' },
    body: body.toString('base64'),
    isBase64Encoded: true,
  };
};

const readBody = async (request: IncomingMessage): Promise<Buffer | undefined> => {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxPayloadBytes) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
};

/**
 * The REST API on 127.0.0.1: the same routes and proxy events as API Gateway, calling the same
 * handlers, and a GET that matches no route served from `staticDir` (the inbox) when given.
 */
export const startHttpGateway = async ({
  port,
  routes,
  staticDir,
  onError,
}: {
  port: number;
  routes: readonly HttpRoute[];
  staticDir?: string;
  onError(error: unknown): void;
}) => {
  const staticRoot = staticDir === undefined ? undefined : resolve(staticDir);
  const server: Server = createServer(async (request, response) => {
    const send = (result: APIGatewayProxyResult) => {
      response.writeHead(result.statusCode, { ...(result.headers as Record<string, string>) });
      response.end(result.isBase64Encoded ? Buffer.from(result.body, 'base64') : result.body);
    };
    try {
      const url = new URL(request.url ?? '/', 'http://local');
      const candidates = routes.flatMap((route) => {
        const parameters = matchResource(route.resource, url.pathname);
        return parameters ? [{ route, parameters }] : [];
      });
      const match = candidates.find(({ route }) => route.method === request.method);
      const file = !match && candidates.length === 0 && request.method === 'GET' && staticRoot ? await staticFile(staticRoot, url.pathname) : undefined;
      if (file) {
        request.resume();
        send(file);
        return;
      }
      if (!match) {
        request.resume();
        send({
          statusCode: candidates.length > 0 ? 405 : 404,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ message: candidates.length > 0 ? 'Method Not Allowed' : 'Not Found' }),
        });
        return;
      }
      const body = await readBody(request);
      if (!body) {
        send({ statusCode: 413, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message: 'Request Too Long' }) });
        return;
      }
      const event = proxyEvent(request, url, match.route, match.parameters, body);
      send(await match.route.handler(event, lambdaContext(match.route.functionName)));
    } catch (error) {
      onError(error);
      // What API Gateway answers when the integration fails: no detail, no stack.
      send({ statusCode: 502, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message: 'Internal server error' }) });
    }
  });
  server.listen(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () => closeServer(server),
  };
};
