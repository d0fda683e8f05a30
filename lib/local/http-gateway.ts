import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerOptions } from 'node:http';
import { extname, resolve, sep } from 'node:path';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { inboxVendorFiles } from '../definitions/inbox-vendor.ts';
import { listeningUrl, loopbackHost } from './address.ts';
import { invokeWithTimeout, timeoutOf, type LambdaHandler } from './lambda-context.ts';

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

/**
 * How long a client may take to send a request, so that a connection dribbling its headers
 * or body a byte at a time is closed instead of held open. They bound receiving the request
 * only: a long-poll's wait for its answer is not cut short.
 */
export interface RequestTimeouts {
  /** Until the request's headers are complete. */
  readonly headersMs: number;
  /** Until the whole request, body included, is received. */
  readonly requestMs: number;
}

export const defaultRequestTimeouts: RequestTimeouts = { headersMs: 10_000, requestMs: 30_000 };

/** The options of a gateway's http server that hold its clients to `timeouts`. */
export const guardedServerOptions = ({ headersMs, requestMs }: RequestTimeouts): ServerOptions => ({
  headersTimeout: headersMs,
  requestTimeout: requestMs,
  // An idle keep-alive connection is closed after 5 s; and the timeouts above are checked
  // every second, so that they hold to within one (Node checks every 30 s by default).
  keepAliveTimeout: 5_000,
  connectionsCheckingInterval: Math.min(1_000, headersMs),
});

/** API Gateway's own limit on a request payload. */
const maxPayloadBytes = 10 * 1024 * 1024;

const jsonAnswer = (statusCode: number, message: string): APIGatewayProxyResult => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ message }),
});

/**
 * The request's target as a URL whose path decodes, or the reason it is a bad request:
 * a malformed percent-escape in a path parameter would otherwise throw in the middle of routing.
 */
const requestUrl = (target: string | undefined): URL | string => {
  let url: URL;
  try {
    url = new URL(target ?? '/', 'http://local');
  } catch {
    return 'malformed request target';
  }
  try {
    decodeURIComponent(url.pathname);
  } catch {
    return 'malformed percent-escape in the path';
  }
  return url;
};

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

/** The only files served from a static folder: the inbox's pages, style sheets, scripts and config, and the libraries they load (inboxVendorFiles). */
const staticContentTypes: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
};

/**
 * A file of `root` for a GET of `pathname` (`/` and folders give their index.html), or one of
 * the pages' libraries at exactly its path, or undefined. Any other decoded path must resolve
 * inside `root`: `..` in any spelling goes nowhere. `pathname` decodes (see requestUrl).
 */
const staticFile = async (root: string, pathname: string): Promise<APIGatewayProxyResult | undefined> => {
  const relative = decodeURIComponent(pathname);
  const library = Object.hasOwn(inboxVendorFiles, relative.slice(1)) ? inboxVendorFiles[relative.slice(1)] : undefined;
  const file = library ?? resolve(root, `.${relative.endsWith('/') ? `${relative}index.html` : relative}`);
  const contentType = staticContentTypes[extname(file)];
  if ((library === undefined && !file.startsWith(root + sep)) || !contentType) return undefined;
  const body = await readFile(file).catch(() => undefined);
  if (!body) return undefined;
  return {
    statusCode: 200,
    headers: { 'content-type': contentType, 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' },
    body: body.toString('base64'),
    isBase64Encoded: true,
  };
};

/** The request's body, or undefined once it grows past `maxBytes`. */
export const readBody = async (request: IncomingMessage, maxBytes: number): Promise<Buffer | undefined> => {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
};

/**
 * The REST API on `host` (loopback unless told otherwise): the same routes and proxy events as
 * API Gateway, calling the same handlers, and a GET that matches no route served from
 * `staticDir` (the inbox) when given.
 */
export const startHttpGateway = async ({
  port,
  host = loopbackHost,
  routes,
  staticDir,
  timeouts = defaultRequestTimeouts,
  onError,
}: {
  port: number;
  host?: string;
  routes: readonly HttpRoute[];
  staticDir?: string;
  timeouts?: RequestTimeouts;
  onError(error: unknown): void;
}) => {
  const staticRoot = staticDir === undefined ? undefined : resolve(staticDir);
  const server: Server = createServer(guardedServerOptions(timeouts), async (request, response) => {
    const send = (result: APIGatewayProxyResult) => {
      response.writeHead(result.statusCode, { ...(result.headers as Record<string, string>) });
      response.end(result.isBase64Encoded ? Buffer.from(result.body, 'base64') : result.body);
    };
    try {
      const url = requestUrl(request.url);
      if (typeof url === 'string') {
        request.resume();
        send(jsonAnswer(400, url));
        return;
      }
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
        send(candidates.length > 0 ? jsonAnswer(405, 'Method Not Allowed') : jsonAnswer(404, 'Not Found'));
        return;
      }
      const body = await readBody(request, maxPayloadBytes);
      if (!body) {
        send(jsonAnswer(413, 'Request Too Long'));
        return;
      }
      const event = proxyEvent(request, url, match.route, match.parameters, body);
      const { handler, functionName } = match.route;
      send(await invokeWithTimeout(handler, event, { functionName, timeoutSeconds: timeoutOf(functionName), consequence: 'API Gateway answers 502' }));
    } catch (error) {
      onError(error);
      // What API Gateway answers when the integration fails: no detail, no stack.
      send(jsonAnswer(502, 'Internal server error'));
    }
  });
  server.listen(port, host);
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  return {
    url: listeningUrl('http', server),
    stop: () => closeServer(server),
  };
};
