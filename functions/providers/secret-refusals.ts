import { sendgridSecretRefusal } from './sendgrid/credentials.ts';
import { smsSecretRefusal } from './sms/credentials.ts';
import { standardSecretRefusal } from './standard/credentials.ts';

/**
 * The secret forms of the providers whose secrets an operator chooses or that take more than
 * one form, each defined beside its provider's verification (credentials.ts). The others'
 * secrets are keys the provider issued (Twilio Auth Tokens, Meta app secrets, Mailgun signing
 * keys): any non-empty value is one.
 */
const refusals: Readonly<Record<string, (secret: string) => string | undefined>> = {
  sendgrid: sendgridSecretRefusal,
  sms: smsSecretRefusal,
  standard: standardSecretRefusal,
};

/** Why `secret` cannot be one of a `provider` endpoint's secrets, or undefined when it can. */
export const secretRefusal = (provider: string, secret: string): string | undefined => {
  if (secret.trim() === '') return 'a secret must not be empty';
  return Object.hasOwn(refusals, provider) ? refusals[provider]?.(secret) : undefined;
};
