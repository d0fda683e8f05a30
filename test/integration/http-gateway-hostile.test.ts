import type { APIGatewayProxyEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpGateway } from '../../lib/local/http-gateway.ts';
import { startWebSocketGateway } from '../../lib/local/websocket-gateway.ts';
import { dribble, rawExchange } from '../helpers/raw-http.ts';

/**
 * The local gateways against clients that misbehave on purpose: a path no decoder accepts
 * gets a 400 with its reason (not a 502), and a client that sends its headers or body a byte
 * at a time is disconnected once its time is up instead of holding a connection for ever.
 */

// Short limits keep the test fast; the gateways' defaults are 10 s and 30 s.
const timeouts = { headersMs: 1_000, requestMs: 2_000 };
/** Past the limits plus the second it may take the server to notice. */
const giveUpMs = 5_000;

const invoked: APIGatewayProxyEvent[] = [];
const errors: unknown[] = [];
let http: Awaited<ReturnType<typeof startHttpGateway>>;
let ws: Awaited<ReturnType<typeof startWebSocketGateway>>;

beforeAll(async () => {
  http = await startHttpGateway({
    port: 0,
    routes: [
      {
        method: 'GET',
        resource: '/conversations/{id}/messages',
        functionName: 'query',
        handler: async (event) => {
          invoked.push(event);
          return { statusCode: 200, body: '{}' };
        },
      },
    ],
    timeouts,
    onError: (error) => errors.push(error),
  });
  ws = await startWebSocketGateway({ port: 0, routes: {}, timeouts, onError: (error) => errors.push(error) });
});
afterAll(async () => {
  await http?.stop();
  await ws?.stop();
});

const slowHead = 'GET /conversations/c1/messages HTTP/1.1\r\nHost: local\r\nX-Slow: ';
const slowBody = (requestLine: string) => `${requestLine} HTTP/1.1\r\nHost: local\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n`;

describe('local gateways against hostile clients', () => {
  it('answers a malformed percent-escape in a path with 400 and a reason, without calling the function', async () => {
    const response = await fetch(`${http.url}/conversations/%E0%A4%A/messages`);

    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toEqual({ message: 'malformed percent-escape in the path' });
    expect(invoked).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('answers a request target that is no URL with 400', async () => {
    const answer = await rawExchange(http.url, 'GET //[ HTTP/1.1\r\nHost: local\r\nConnection: close\r\n\r\n');

    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(answer).toContain('{"message":"malformed request target"}');
    expect(errors).toEqual([]);
  });

  it('closes a connection that sends its headers slowly, on both gateways', async () => {
    const [onHttp, onWs] = await Promise.all([dribble(http.url, { head: slowHead, giveUpMs }), dribble(ws.url.replace(/^ws/, 'http'), { head: slowHead, giveUpMs })]);

    expect(onHttp).toBeLessThan(giveUpMs);
    expect(onWs).toBeLessThan(giveUpMs);
  });

  it('closes a connection that sends its body slowly, on both gateways', async () => {
    const [onHttp, onWs] = await Promise.all([
      dribble(http.url, { head: slowBody('GET /conversations/c1/messages'), giveUpMs }),
      dribble(ws.url.replace(/^ws/, 'http'), { head: slowBody('POST /@connections/abc'), giveUpMs }),
    ]);

    expect(onHttp).toBeLessThan(giveUpMs);
    expect(onWs).toBeLessThan(giveUpMs);
  });
});
