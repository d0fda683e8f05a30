import { createHmac } from 'node:crypto';
import { signaturesMatch } from '../signatures.ts';
import { accepted, refused, type Verdict, type WebhookRequest } from '../types.ts';
import { timestampRefusal } from './timestamp-tolerance.ts';

/**
 * Standard Webhooks symmetric signatures (spec v1, "Signature scheme"):
 * `webhook-signature: v1,<base64 HMAC-SHA256(key, "<webhook-id>.<webhook-timestamp>.<raw body>")>`.
 * https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md
 */

export const secretPrefix = 'whsec_';

const base64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * The HMAC key a secret stands for: what follows `whsec_`, base64-decoded. The reference
 * libraries accept the secret without its prefix too. Undefined when it is not base64 or holds
 * no bytes: such a secret can verify nothing.
 */
export const signingKeyOf = (secret: string): Buffer | undefined => {
  const encoded = secret.startsWith(secretPrefix) ? secret.slice(secretPrefix.length) : secret;
  const key = base64.test(encoded) ? Buffer.from(encoded, 'base64') : undefined;
  return key && key.length > 0 ? key : undefined;
};

export const standardWebhookSignature = (key: Buffer, id: string, timestamp: string, body: Buffer): string =>
  createHmac('sha256', key).update(`${id}.${timestamp}.`, 'utf8').update(body).digest('base64');

/** Svix, the reference implementation, sends the same headers prefixed `svix-` instead of `webhook-`. */
const headerPrefixes = ['webhook', 'svix'] as const;

interface SignedHeaders {
  readonly prefix: (typeof headerPrefixes)[number];
  readonly id?: string;
  readonly timestamp?: string;
  readonly signature: string;
}

/** The id, timestamp and signature headers of one family: the family whose signature header is present. */
export const signedHeadersOf = (headers: Readonly<Record<string, string>>): SignedHeaders | undefined => {
  for (const prefix of headerPrefixes) {
    const signature = headers[`${prefix}-signature`];
    if (signature !== undefined) return { prefix, id: headers[`${prefix}-id`], timestamp: headers[`${prefix}-timestamp`], signature };
  }
  return undefined;
};

/** The `v1` signatures of a space-delimited signature list; other schemes (`v1a`, ed25519) are not ours to check. */
const v1SignaturesOf = (header: string): string[] =>
  header.split(' ').flatMap((entry) => {
    const [version, signature] = entry.split(',');
    return version === 'v1' && signature ? [signature] : [];
  });

/**
 * Verifies a Standard Webhooks signature with any of `secrets`. The header lists one signature
 * per key the sender holds (two during a rotation), and the endpoint may hold two as well:
 * any pair that matches accepts.
 */
export const verifyStandardWebhook = (request: WebhookRequest, secrets: readonly string[], now: Date): Verdict => {
  const signed = signedHeadersOf(request.headers);
  if (!signed) return refused('missing webhook-signature');
  const { prefix, id, timestamp } = signed;
  if (!id) return refused(`missing ${prefix}-id`);
  // The spec forbids dots in the id and timestamp: they delimit the signed content.
  if (id.includes('.')) return refused(`${prefix}-id must not contain "."`);
  if (!timestamp) return refused(`missing ${prefix}-timestamp`);
  const stale = timestampRefusal(timestamp, now, `${prefix}-timestamp`);
  if (stale) return refused(stale);

  const received = v1SignaturesOf(signed.signature);
  if (received.length === 0) return refused(`no v1 signature in ${prefix}-signature`);
  const keys = secrets.map(signingKeyOf).filter((key) => key !== undefined);
  const matches = keys.some((key) => {
    const expected = standardWebhookSignature(key, id, timestamp, request.body);
    return received.some((signature) => signaturesMatch(signature, expected));
  });
  return matches ? accepted : refused(`invalid ${prefix}-signature`);
};

/** The headers a Standard Webhooks sender adds to `body`, signed with `secret` at `at`. */
export const standardWebhookHeaders = (secret: string, id: string, at: Date, body: string): Record<string, string> => {
  const key = signingKeyOf(secret);
  if (!key) throw new Error(`a Standard Webhooks secret is ${secretPrefix} followed by base64`);
  const timestamp = String(Math.floor(at.getTime() / 1000));
  return {
    'webhook-id': id,
    'webhook-timestamp': timestamp,
    'webhook-signature': `v1,${standardWebhookSignature(key, id, timestamp, Buffer.from(body, 'utf8'))}`,
  };
};
