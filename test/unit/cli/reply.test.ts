import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { tenantOfToken } from '../../../functions/core/tokens.ts';
import { contentOf, firstMessagePath, httpRequestOf, outcomeOf, postMessage, replyPath, waitSecondsOf } from '../../../lib/cli/reply.ts';
import { UsageError } from '../../../lib/cli/usage-error.ts';
import { inMemoryTarget } from '../../helpers/cli-target.ts';
import { freePort } from '../../helpers/ports.ts';

describe('the content of switchboard reply', () => {
  it.each([
    [{ text: 'On its way', params: [] }, { text: 'On its way' }],
    [{ template: 'order_shipped', language: 'en_US', params: ['4321', 'Tuesday'] }, { template: { name: 'order_shipped', language: 'en_US', parameters: ['4321', 'Tuesday'] } }],
    [{ template: 'hello_world', language: 'en', params: [] }, { template: { name: 'hello_world', language: 'en', parameters: [] } }],
  ])('sends %j as %j', (flags, body) => {
    expect(contentOf(flags)).toEqual(body);
  });

  it.each([
    [{ params: [] }, 'a message needs --text, or --template with --language'],
    [{ text: 'hi', template: 'hello_world', language: 'en', params: [] }, 'give --text or --template, not both: a template is sent alone'],
    [{ template: 'hello_world', params: [] }, '--language is required with --template: the code it was approved in, e.g. en_US'],
    [{ text: 'hi', params: ['1'] }, '--param goes with --template'],
    [{ text: 'hi', language: 'en', params: [] }, '--language goes with --template'],
  ])('refuses %j with a usage error', (flags, message) => {
    expect(() => contentOf(flags)).toThrow(new UsageError(message));
  });

  it.each([
    [undefined, undefined],
    ['0', 0],
    ['10', 10],
  ])('takes --wait %j as %j seconds', (wait, seconds) => {
    expect(waitSecondsOf(wait)).toBe(seconds);
  });

  it.each(['11', '-1', '1.5', 'soon', ''])('refuses --wait %j', (wait) => {
    expect(() => waitSecondsOf(wait)).toThrow(/^--wait is whole seconds from 0 to 10/);
  });
});

describe('the request switchboard reply makes', () => {
  it('posts the content to the conversation with the token and the Idempotency-Key, and the wait in the query', () => {
    // Act
    const { url, init } = httpRequestOf('https://api.example.com/prod/', 'a.jwt.token', {
      path: replyPath('conv_abc/../x'),
      body: { text: 'On its way' },
      idempotencyKey: 'retry-me-1',
      waitSeconds: 5,
    });

    // Assess
    expect(url).toBe('https://api.example.com/prod/conversations/conv_abc%2F..%2Fx/messages?wait=5');
    expect(init).toEqual({
      method: 'POST',
      headers: { authorization: 'Bearer a.jwt.token', 'content-type': 'application/json', 'idempotency-key': 'retry-me-1' },
      body: '{"text":"On its way"}',
    });
  });

  it('posts a first message to /messages without a wait unless asked', () => {
    const { url } = httpRequestOf('http://127.0.0.1:3000', 't', { path: firstMessagePath, body: {}, idempotencyKey: 'k' });

    expect(url).toBe('http://127.0.0.1:3000/messages');
  });
});

describe('what switchboard reply prints', () => {
  it('prints an accepted answer and exits 0', () => {
    expect(outcomeOf({ status: 202, text: '{"id":"msg_1","status":"queued","conversationId":"conv_1"}' })).toEqual({
      stdout: ['{', '  "id": "msg_1",', '  "status": "queued",', '  "conversationId": "conv_1"', '}'],
      code: 0,
    });
  });

  it.each([
    [409, { error: 'the customer service window is closed', reason: 'window_closed', templateRequired: true }, 'the customer service window is closed'],
    [422, { error: 'this Idempotency-Key was used for another request', reason: 'idempotency_key_reused' }, 'this Idempotency-Key was used for another request'],
    [400, { error: 'text must not be empty', reason: 'bad_request' }, 'text must not be empty'],
    [401, { message: 'Unauthorized' }, 'Unauthorized'],
    [500, { oops: true }, 'the API answered HTTP 500'],
  ])('keeps a %i answer on stdout and its reason for stderr, and exits 1', (status, body, error) => {
    const outcome = outcomeOf({ status, text: JSON.stringify(body) });

    expect(outcome.code).toBe(1);
    expect(outcome.error).toBe(error);
    expect(JSON.parse(outcome.stdout.join('\n'))).toEqual(body);
  });

  it('prints an answer that is not JSON as it came', () => {
    expect(outcomeOf({ status: 502, text: '<html>\nBad Gateway</html>' })).toEqual({ stdout: ['<html>', 'Bad Gateway</html>'], error: 'the API answered HTTP 502', code: 1 });
  });
});

describe('postMessage', () => {
  let close: (() => void) | undefined;
  afterEach(() => close?.());

  it("sends the tenant's token, which the stack's secret verifies, and hands back the answer", async () => {
    // Prepare
    const seen: { url?: string; headers?: IncomingHttpHeaders; body?: string } = {};
    const server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      request.on('end', () => {
        Object.assign(seen, { url: request.url, headers: request.headers, body });
        response.writeHead(202, { 'content-type': 'application/json' }).end('{"id":"msg_1","status":"queued","conversationId":"conv_1"}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    close = () => server.close();
    const secret = 'a-jwt-secret-of-at-least-32-bytes-long!';
    const target = { ...inMemoryTarget().target, publicBaseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, jwtSecret: async () => secret, sendKey: async () => '' };

    // Act
    const answer = await postMessage(target, 'acme', { path: replyPath('conv_1'), body: { text: 'hi' }, idempotencyKey: 'key-1', waitSeconds: 2 });

    // Assess
    expect(answer).toEqual({ status: 202, text: '{"id":"msg_1","status":"queued","conversationId":"conv_1"}' });
    expect(seen).toMatchObject({ url: '/conversations/conv_1/messages?wait=2', body: '{"text":"hi"}', headers: { 'idempotency-key': 'key-1' } });
    const token = seen.headers?.authorization?.replace(/^Bearer /, '') ?? '';
    expect(await tenantOfToken(token, secret)).toBe('acme');
  });

  it('names the Idempotency-Key to retry with when no answer comes', async () => {
    const port = await freePort();
    const target = { ...inMemoryTarget().target, publicBaseUrl: `http://127.0.0.1:${port}`, jwtSecret: async () => 'a-jwt-secret-of-at-least-32-bytes-long!', sendKey: async () => '' };

    await expect(postMessage(target, 'acme', { path: firstMessagePath, body: {}, idempotencyKey: 'key-7' })).rejects.toThrow(
      `no answer from http://127.0.0.1:${port}/messages (fetch failed): the message may have been accepted; run the same command with --idempotency-key key-7 to find out without sending it twice`,
    );
  });
});
