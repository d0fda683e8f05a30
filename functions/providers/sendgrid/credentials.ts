import { createPublicKey, verify, type KeyObject } from 'node:crypto';

export const signatureHeader = 'x-twilio-email-event-webhook-signature';
export const timestampHeader = 'x-twilio-email-event-webhook-timestamp';

/**
 * A SendGrid endpoint holds two kinds of secret, told apart by a colon: the Inbound Parse
 * basic-auth credential is "user:password" (RFC 7617 joins them with one), while the Event
 * Webhook verification key, base64 SPKI DER with or without PEM armour, can never contain one.
 */
export const isBasicCredential = (secret: string): boolean => secret.includes(':');

/** The Event Webhook verification key a secret holds, or undefined when it is not a public key. */
export const verificationKeyOf = (secret: string): KeyObject | undefined => {
  try {
    const der = Buffer.from(secret.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, ''), 'base64');
    return createPublicKey({ key: der, format: 'der', type: 'spki' });
  } catch {
    return undefined;
  }
};

/**
 * Why a secret cannot be a SendGrid endpoint's, or undefined. A credential with an empty user
 * or password is one anyone can type, and a secret that is neither form would verify nothing.
 */
export const sendgridSecretRefusal = (secret: string): string | undefined => {
  if (isBasicCredential(secret)) {
    // RFC 7617: the user ends at the first colon; the password may hold more.
    const colon = secret.indexOf(':');
    return colon === 0 || colon === secret.length - 1 ? 'a SendGrid Inbound Parse credential is "user:password", neither of them empty' : undefined;
  }
  return verificationKeyOf(secret) ? undefined : 'a SendGrid secret is an Inbound Parse "user:password" or the Event Webhook\'s verification key (base64)';
};

/**
 * SendGrid's Event Webhook signature: ECDSA P-256 / SHA-256 over the timestamp header followed
 * by the exact body bytes (whose CRLFs are signed too), base64 DER.
 * https://www.twilio.com/docs/sendgrid/for-developers/tracking-events/getting-started-event-webhook-security-features
 */
export const eventSignatureValid = (key: KeyObject, timestamp: string, body: Buffer, signature: string): boolean => {
  try {
    return verify('sha256', Buffer.concat([Buffer.from(timestamp, 'utf8'), body]), key, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
};

/** The "user:password" a Basic Authorization header carries; undefined for any other scheme (SendGrid's OAuth sends Bearer). */
export const basicCredentialIn = (authorization: string | undefined): string | undefined => {
  const token = authorization === undefined ? undefined : /^basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization)?.[1];
  return token === undefined ? undefined : Buffer.from(token, 'base64').toString('utf8');
};
