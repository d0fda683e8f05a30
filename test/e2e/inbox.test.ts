import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStackProcess, type LocalStackProcess } from '../helpers/local-stack.ts';

/** The inbox page through `npm start`: the banner's link, the page, and where it finds the socket. */

let stack: LocalStackProcess;

beforeAll(async () => {
  stack = await startLocalStackProcess();
}, 90_000);

afterAll(async () => {
  await stack?.stop();
});

describe('the inbox on npm start', () => {
  it('prints a link to the page with a token the query API accepts', async () => {
    const link = /Inbox\s+(\S+)/.exec(stack.output())?.[1] ?? '';
    const url = new URL(link);

    const page = await fetch(url);
    const conversations = await fetch(`${stack.description.httpUrl}/conversations`, { headers: { authorization: `Bearer ${url.searchParams.get('token')}` } });

    expect(url.origin).toBe(stack.description.httpUrl);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await page.text()).toContain('<script type="module" src="app.js"></script>');
    expect(conversations.status).toBe(200);
  });

  it('tells the page where the WebSocket is, and answers the preflight of the long-poll', async () => {
    const config = await fetch(`${stack.description.httpUrl}/config.json`);
    const preflight = await fetch(`${stack.description.httpUrl}/events`, { method: 'OPTIONS', headers: { origin: 'https://inbox.example', 'access-control-request-method': 'GET' } });

    expect(config.status).toBe(200);
    expect(await config.json()).toEqual({ ws: stack.description.wsUrl });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
  });
});
