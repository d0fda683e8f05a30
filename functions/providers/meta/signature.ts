import { createHmac } from 'node:crypto';

/**
 * Meta's X-Hub-Signature-256 value for a body: `sha256=` and the lowercase hex HMAC-SHA256 of
 * the exact bytes Meta sent, keyed with the app secret.
 * https://developers.facebook.com/docs/graph-api/webhooks/getting-started#validate-payloads
 */
export const metaSignature = (appSecret: string, body: Buffer | string): string =>
  `sha256=${createHmac('sha256', appSecret).update(body).digest('hex')}`;

const signatureHeaderFormat = /^sha256=([0-9a-f]{64})$/i;

/** The header in the form `metaSignature` returns, or undefined when it is not a SHA-256 signature at all. */
export const receivedSignature = (header: string): string | undefined => {
  const hex = signatureHeaderFormat.exec(header.trim())?.[1];
  return hex === undefined ? undefined : `sha256=${hex.toLowerCase()}`;
};
