import { createHmac } from 'node:crypto';
import * as z from 'zod/mini';
import { fieldNamed, readForm } from '../email/form.ts';
import { parseParameterizedHeader } from '../email/parameters.ts';
import type { WebhookRequest } from '../types.ts';

/** What Mailgun signs: a timestamp and a random token, never the body. */
interface SignedToken {
  readonly timestamp: string;
  readonly token: string;
  readonly signature: string;
}

/**
 * hex HMAC-SHA256(webhook signing key, timestamp + token).
 * https://documentation.mailgun.com/docs/mailgun/user-manual/webhooks/securing-webhooks
 */
export const mailgunSignature = (signingKey: string, timestamp: string, token: string): string =>
  createHmac('sha256', signingKey).update(timestamp + token).digest('hex');

const eventPayloadSchema = z.object({
  signature: z.object({ timestamp: z.union([z.string(), z.number()]), token: z.string(), signature: z.string() }),
});

const fromJson = (body: Buffer): SignedToken | undefined => {
  try {
    const parsed = eventPayloadSchema.safeParse(JSON.parse(body.toString('utf8')));
    return parsed.success ? { ...parsed.data.signature, timestamp: String(parsed.data.signature.timestamp) } : undefined;
  } catch {
    return undefined;
  }
};

const fromForm = (request: WebhookRequest): SignedToken | undefined => {
  const fields = readForm(request.body, request.headers['content-type']) ?? [];
  const [timestamp, token, signature] = ['timestamp', 'token', 'signature'].map((name) => fieldNamed(fields, name)?.bytes.toString('utf8'));
  return timestamp !== undefined && token !== undefined && signature !== undefined ? { timestamp, token, signature } : undefined;
};

/**
 * The signed token a request carries: inside the JSON of an event webhook, as form fields of
 * an inbound route POST. Undefined when it has none; never throws on garbage.
 */
export const signedTokenOf = (request: WebhookRequest): SignedToken | undefined =>
  parseParameterizedHeader(request.headers['content-type'] ?? '').value === 'application/json' ? fromJson(request.body) : fromForm(request);
