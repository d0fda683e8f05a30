import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { functionSizes } from '../../lib/definitions/functions.ts';
import { startHttpGateway } from '../../lib/local/http-gateway.ts';
import { InvocationTimedOut } from '../../lib/local/lambda-context.ts';

/**
 * The local HTTP gateway stops a function at its configured timeout, as Lambda does, and
 * answers as API Gateway does when its integration fails: a function that would time out on
 * AWS does so locally too, instead of answering late.
 */

const errors: unknown[] = [];
let http: Awaited<ReturnType<typeof startHttpGateway>>;

beforeAll(async () => {
  http = await startHttpGateway({
    port: 0,
    // The health function's timeout is the shortest (5 s): a handler that takes longer times out.
    routes: [{ method: 'GET', resource: '/health', functionName: 'health', handler: async () => (await sleep(15_000), { statusCode: 200, body: '{}' }) }],
    onError: (error) => errors.push(error),
  });
});
afterAll(async () => {
  await http?.stop();
});

it("answers 502 at the function's configured timeout, and says why in one line", async () => {
  const startedAt = Date.now();

  const response = await fetch(`${http.url}/health`);

  const tookMs = Date.now() - startedAt;
  expect(response.status).toBe(502);
  expect(await response.json()).toEqual({ message: 'Internal server error' });
  expect(tookMs).toBeGreaterThanOrEqual(functionSizes.health.timeoutSeconds * 1000);
  expect(tookMs).toBeLessThan(15_000);
  expect(errors).toEqual([expect.any(InvocationTimedOut)]);
  expect(String(errors[0])).toBe('InvocationTimedOut: health timed out after 5 s, its configured timeout: API Gateway answers 502');
}, 20_000);
