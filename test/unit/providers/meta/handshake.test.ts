import { describe, expect, it } from 'vitest';
import type { Endpoint } from '../../../../functions/core/endpoint.ts';
import { meta } from '../../../../functions/providers/meta/index.ts';
import type { AckResponse } from '../../../../functions/providers/types.ts';
import { anEndpoint } from '../../../helpers/factories.ts';
import { metaEndpointUrl } from './builders.ts';

const verifyToken = 'my-verify-token-4f1c';
const endpoint = anEndpoint({ provider: 'meta', secrets: ['app-secret'], verifyToken });

// The GET Meta sends when the callback URL is saved in the app dashboard:
// https://developers.facebook.com/docs/graph-api/webhooks/getting-started#verification-requests
const handshakeQuery = (overrides: Record<string, string> = {}): string =>
  new URLSearchParams({ 'hub.mode': 'subscribe', 'hub.challenge': '1158201444', 'hub.verify_token': verifyToken, ...overrides }).toString();

const answer = (query: string, on: Endpoint = endpoint): AckResponse =>
  meta.handshake?.({ url: `${metaEndpointUrl}?${query}`, headers: {}, body: Buffer.alloc(0) }, on) ?? { statusCode: 404, headers: {}, body: '' };

describe('meta.handshake', () => {
  it('echoes the bare challenge as text/plain when the verify token matches', () => {
    // Act
    const response = answer(handshakeQuery());

    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    expect(response.body).toBe('1158201444');
  });

  it('refuses a wrong verify token', () => {
    expect(answer(handshakeQuery({ 'hub.verify_token': 'my-verify-token-4f1d' })).statusCode).toBe(403);
  });

  it('refuses a prefix of the verify token', () => {
    expect(answer(handshakeQuery({ 'hub.verify_token': verifyToken.slice(0, -1) })).statusCode).toBe(403);
  });

  it('refuses every handshake when the endpoint has no verify token, whatever the token sent', () => {
    const withoutToken = anEndpoint({ provider: 'meta', secrets: ['app-secret'] });

    expect(answer(handshakeQuery(), withoutToken).statusCode).toBe(403);
    expect(answer(handshakeQuery({ 'hub.verify_token': '' }), withoutToken).statusCode).toBe(403);
    expect(answer(handshakeQuery({ 'hub.verify_token': '' }), { ...withoutToken, verifyToken: '' }).statusCode).toBe(403);
  });

  it.each(['<script>alert(1)</script>', 'a b', '', 'x'.repeat(129)])('refuses the challenge %j rather than reflect it', (challenge) => {
    const response = answer(handshakeQuery({ 'hub.challenge': challenge }));

    expect(response.statusCode).toBe(403);
    expect(response.body).not.toContain('<script>');
  });

  it('refuses a mode other than subscribe', () => {
    expect(answer(handshakeQuery({ 'hub.mode': 'unsubscribe' })).statusCode).toBe(403);
  });

  it('refuses a request without the hub parameters', () => {
    expect(answer('').statusCode).toBe(403);
    expect(answer(new URLSearchParams({ 'hub.mode': 'subscribe', 'hub.verify_token': verifyToken }).toString()).statusCode).toBe(403);
  });
});
