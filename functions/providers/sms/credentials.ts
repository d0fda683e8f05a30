import { createHash } from 'node:crypto';
import type { Endpoint } from '../../core/endpoint.ts';
import { standardSecretRefusal } from '../standard/credentials.ts';
import { secretPrefix, signedHeadersOf, verifyStandardWebhook } from '../standard/signature.ts';
import { signaturesMatch } from '../signatures.ts';
import { accepted, refused, type Verdict, type WebhookRequest } from '../types.ts';
import { verifyAndroidGatewaySignature } from './android-signature.ts';

/** A shared secret is a bearer token sent as is, or an HMAC key: anything shorter can be guessed. */
export const minSharedSecretLength = 16;

/** Why a secret cannot be an SMS gateway endpoint's, or undefined. */
export const smsSecretRefusal = (secret: string): string | undefined => {
  if (secret.startsWith(secretPrefix)) return standardSecretRefusal(secret);
  return secret.length < minSharedSecretLength
    ? `an SMS gateway's bearer token or signing key must be at least ${minSharedSecretLength} characters`
    : undefined;
};

// Hashing both sides first makes the comparison independent of the token's length too, which,
// unlike a signature's, is part of the secret.
const fingerprint = (token: string): string => createHash('sha256').update(token, 'utf8').digest('base64');

const verifyBearerToken = (authorization: string, tokens: readonly string[]): Verdict => {
  const token = /^Bearer\s+(\S.*?)\s*$/i.exec(authorization)?.[1];
  if (!token) return refused('Authorization is not a bearer token');
  const received = fingerprint(token);
  return tokens.some((candidate) => signaturesMatch(received, fingerprint(candidate))) ? accepted : refused('invalid bearer token');
};

/**
 * How an SMS gateway endpoint's secrets are read: a `whsec_…` secret is a Standard Webhooks
 * signing secret; any other is a shared secret that the gateway either sends as
 * `Authorization: Bearer <secret>` or signs with as SMS Gateway for Android's signing key.
 * The request's own headers say which it used, strongest first, and only that one is checked:
 * a signature that does not verify is refused even if a bearer token is also present.
 */
export const verifySmsGatewayRequest = (request: WebhookRequest, endpoint: Endpoint, now: Date): Verdict => {
  const standardSecrets = endpoint.secrets.filter((secret) => secret.startsWith(secretPrefix));
  const sharedSecrets = endpoint.secrets.filter((secret) => secret !== '' && !secret.startsWith(secretPrefix));
  if (signedHeadersOf(request.headers)) return verifyStandardWebhook(request, standardSecrets, now);
  if (request.headers['x-signature'] !== undefined) return verifyAndroidGatewaySignature(request, sharedSecrets, now);
  const authorization = request.headers.authorization;
  if (authorization !== undefined) return verifyBearerToken(authorization, sharedSecrets);
  return refused('missing credentials: an Authorization bearer token, a webhook-signature or an X-Signature');
};
