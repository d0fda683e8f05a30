import { mailgun } from './mailgun/index.ts';
import { meta } from './meta/index.ts';
import { sendgrid } from './sendgrid/index.ts';
import { sms } from './sms/index.ts';
import { standard } from './standard/index.ts';
import { twilio } from './twilio/index.ts';
import type { Provider } from './types.ts';

/** Every provider Switchboard accepts webhooks from, by the name in the webhook URL. */
const providers: Readonly<Record<string, Provider>> = Object.freeze({ twilio, meta, sendgrid, mailgun, sms, standard });

export const providerNames = Object.keys(providers);

export const findProvider = (name: string): Provider | undefined =>
  Object.hasOwn(providers, name) ? providers[name] : undefined;
