import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import * as z from 'zod/mini';
import type { SendCredentials } from '../core/outbound.ts';

/**
 * Send credentials at rest: AES-256-GCM under the stack's send key (a Secrets Manager secret
 * only the sender functions and the operator can read), bound to their endpoint as associated
 * data, so a sealed value copied onto another endpoint does not open. The endpoints table is
 * read by the ack on every webhook; what it reads there is ciphertext.
 */

const version = 'v1';
const ivBytes = 12;

const credentialsSchema = z.union([
  z.strictObject({ provider: z.literal('twilio'), accountSid: z.string().check(z.regex(/^AC[0-9a-f]{32}$/)), authToken: z.string().check(z.minLength(1)) }),
  z.strictObject({
    provider: z.literal('twilio'),
    accountSid: z.string().check(z.regex(/^AC[0-9a-f]{32}$/)),
    apiKeySid: z.string().check(z.regex(/^SK[0-9a-f]{32}$/)),
    apiKeySecret: z.string().check(z.minLength(1)),
  }),
  z.strictObject({ provider: z.literal('meta'), accessToken: z.string().check(z.minLength(1)) }),
  z.strictObject({ provider: z.literal('sendgrid'), apiKey: z.string().check(z.minLength(1)) }),
  z.strictObject({ provider: z.literal('mailgun'), apiKey: z.string().check(z.minLength(1)), domain: z.string().check(z.regex(/^[a-z0-9.-]+\.[a-z]{2,}$/i)) }),
  z.strictObject({
    provider: z.literal('sms'),
    gateway: z.literal('android'),
    username: z.string().check(z.minLength(1)),
    password: z.string().check(z.minLength(1)),
    apiUrl: z.optional(z.url({ protocol: /^https?$/ })),
  }),
  z.strictObject({
    provider: z.literal('sms'),
    gateway: z.literal('webhook'),
    url: z.url({ protocol: /^https?$/ }),
    signingSecret: z.string().check(z.regex(/^whsec_[A-Za-z0-9+/=]+$/)),
  }),
]);

/** The key as Secrets Manager holds it: 32 random bytes, base64. */
export const sendKeyOf = (secret: string): Buffer => {
  const key = Buffer.from(secret, 'base64');
  if (key.length !== 32) throw new Error('the send key must be 32 bytes, base64-encoded');
  return key;
};

/** A new send key's secret value. */
export const newSendKeySecret = (): string => randomBytes(32).toString('base64');

export const sealCredentials = (key: Buffer, endpointId: string, credentials: SendCredentials): string => {
  const iv = randomBytes(ivBytes);
  const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(Buffer.from(endpointId));
  const ciphertext = Buffer.concat([cipher.update(JSON.stringify(credentials), 'utf8'), cipher.final()]);
  return [version, iv, ciphertext, cipher.getAuthTag()].map((part) => (typeof part === 'string' ? part : part.toString('base64url'))).join('.');
};

/** Opens sealed credentials; throws when they were sealed under another key or for another endpoint, or were changed. */
export const openCredentials = (key: Buffer, endpointId: string, sealed: string): SendCredentials => {
  const [sealedVersion, iv, ciphertext, tag] = sealed.split('.');
  if (sealedVersion !== version || !iv || !ciphertext || !tag) throw new Error('not sealed send credentials');
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url')).setAAD(Buffer.from(endpointId)).setAuthTag(Buffer.from(tag, 'base64url'));
  const plain = Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
  return credentialsSchema.parse(JSON.parse(plain)) as SendCredentials;
};

/** Credentials as an operator gives them, checked before they are sealed: a clear message for each mistake. */
export const parseCredentials = (input: unknown): SendCredentials => {
  const parsed = credentialsSchema.safeParse(input);
  if (!parsed.success) {
    throw new Error(
      'send credentials must be Twilio {accountSid AC…, authToken} or {accountSid AC…, apiKeySid SK…, apiKeySecret}, Meta {accessToken}, SendGrid {apiKey}, Mailgun {apiKey, domain}, ' +
        'SMS Gateway for Android {gateway: android, username, password, apiUrl?} or a webhook gateway {gateway: webhook, url, signingSecret whsec_…}',
    );
  }
  // A line break in a key would be sent as a header and fail on every send, as if the provider never answered.
  const unprintable = Object.entries(parsed.data).find(([, value]) => /[\u0000-\u001f\u007f]/.test(value));
  if (unprintable) throw new Error(`send credentials: ${unprintable[0]} holds a line break or another control character`);
  return parsed.data as SendCredentials;
};
