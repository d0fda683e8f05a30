import { createHash } from 'node:crypto';
import type { Endpoint } from '../../core/endpoint.ts';
import { signaturesMatch } from '../signatures.ts';
import type { AckResponse, WebhookRequest } from '../types.ts';

// Meta's challenge is a number; anything beyond a plain token would be reflected into our
// response (erxes fixed a reflected XSS through hub.challenge this way).
const challengeFormat = /^[A-Za-z0-9_-]{1,128}$/;

const plainText = { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' };

const forbidden: AckResponse = { statusCode: 403, headers: plainText, body: 'Forbidden' };

// Hashing first makes the comparison independent of the token's length, which the user chose.
const sameToken = (received: string, expected: string): boolean =>
  signaturesMatch(createHash('sha256').update(received).digest('hex'), createHash('sha256').update(expected).digest('hex'));

/**
 * Meta's subscription handshake: a GET with hub.mode=subscribe, the verify token the user
 * typed in the app dashboard and a challenge to echo back. An endpoint without a verify token
 * refuses every handshake: a default token would let anyone subscribe their app to it.
 * https://developers.facebook.com/docs/graph-api/webhooks/getting-started#verification-requests
 */
export const answerSubscriptionHandshake = (request: WebhookRequest, endpoint: Endpoint): AckResponse => {
  const expectedToken = endpoint.verifyToken;
  if (!expectedToken || !URL.canParse(request.url)) return forbidden;
  const query = new URL(request.url).searchParams;
  const token = query.get('hub.verify_token');
  const challenge = query.get('hub.challenge');
  if (query.get('hub.mode') !== 'subscribe' || token === null || challenge === null) return forbidden;
  if (!sameToken(token, expectedToken) || !challengeFormat.test(challenge)) return forbidden;
  return { statusCode: 200, headers: plainText, body: challenge };
};
