import { parseCredentials, sealCredentials, sendKeyOf } from '../../functions/adapters/credential-box.ts';
import type { Endpoint, EndpointSending } from '../../functions/core/endpoint.ts';
import type { Target } from './target.ts';
import { UsageError } from './usage-error.ts';

/**
 * `switchboard endpoint credentials`: an endpoint's send credentials, checked, sealed with the
 * stack's send key for that endpoint alone (functions/adapters/credential-box.ts) and stored.
 * Nothing it prints or throws ever holds a credential, not even masked.
 */

/** The flags that name a credential; which ones an endpoint takes depends on its provider. */
export const credentialFlags = [
  'twilio-account-sid',
  'twilio-auth-token',
  'twilio-api-key-sid',
  'twilio-api-key-secret',
  'meta-access-token',
  'sendgrid-api-key',
  'mailgun-api-key',
  'mailgun-domain',
  'sms-username',
  'sms-password',
  'sms-api-url',
  'sms-webhook-url',
  'sms-signing-secret',
] as const;
export type CredentialFlag = (typeof credentialFlags)[number];
export type CredentialValues = Readonly<Partial<Record<CredentialFlag, string>>>;

/**
 * Secrets may come from the environment instead of a flag, so that they stay out of the
 * shell's history and out of `ps`. A flag, when given, wins.
 */
export const secretEnvironment: Readonly<Partial<Record<CredentialFlag, string>>> = {
  'twilio-auth-token': 'SWITCHBOARD_TWILIO_AUTH_TOKEN',
  'twilio-api-key-secret': 'SWITCHBOARD_TWILIO_API_KEY_SECRET',
  'meta-access-token': 'SWITCHBOARD_META_ACCESS_TOKEN',
  'sendgrid-api-key': 'SWITCHBOARD_SENDGRID_API_KEY',
  'mailgun-api-key': 'SWITCHBOARD_MAILGUN_API_KEY',
  'sms-password': 'SWITCHBOARD_SMS_PASSWORD',
  'sms-signing-secret': 'SWITCHBOARD_SMS_SIGNING_SECRET',
};

/**
 * The highest rate a sender can be set to: WhatsApp Cloud API's upgraded throughput of
 * 1,000 messages per second per number, the highest any provider sent through documents
 * (https://developers.facebook.com/documentation/business-messaging/whatsapp/throughput).
 */
export const maxRatePerSecond = 1000;

/** What the credentials are built from: the flags given, and the environment for the secrets not given as flags. */
interface Given {
  readonly flags: CredentialValues;
  readonly env: Readonly<Record<string, string | undefined>>;
}

const valueOf = ({ flags, env }: Given, flag: CredentialFlag): string | undefined => {
  const variable = secretEnvironment[flag];
  return flags[flag] ?? (variable === undefined ? undefined : env[variable]);
};

const required = (given: Given, flag: CredentialFlag, provider: string): string => {
  const value = valueOf(given, flag);
  if (value !== undefined) return value;
  const variable = secretEnvironment[flag];
  throw new UsageError(`--${flag} is required for a ${provider} endpoint${variable === undefined ? '' : ` (or set ${variable})`}`);
};

/** Each provider's credentials from the flags, as parseCredentials takes them; a provider Switchboard sends through has one. */
const credentialsOf: Readonly<Record<string, (given: Given) => unknown>> = {
  twilio: (given) => {
    const accountSid = required(given, 'twilio-account-sid', 'twilio');
    // Twilio authenticates a request with the account's auth token, or with an API key (its SID and secret).
    if (given.flags['twilio-api-key-sid'] !== undefined) {
      if (given.flags['twilio-auth-token'] !== undefined) throw new UsageError('give --twilio-auth-token or an API key (--twilio-api-key-sid and its secret), not both');
      return { provider: 'twilio', accountSid, apiKeySid: given.flags['twilio-api-key-sid'], apiKeySecret: required(given, 'twilio-api-key-secret', 'twilio') };
    }
    if (given.flags['twilio-api-key-secret'] !== undefined) throw new UsageError('--twilio-api-key-secret goes with --twilio-api-key-sid');
    return { provider: 'twilio', accountSid, authToken: required(given, 'twilio-auth-token', 'twilio') };
  },
  meta: (given) => ({ provider: 'meta', accessToken: required(given, 'meta-access-token', 'meta') }),
  sendgrid: (given) => ({ provider: 'sendgrid', apiKey: required(given, 'sendgrid-api-key', 'sendgrid') }),
  mailgun: (given) => ({ provider: 'mailgun', apiKey: required(given, 'mailgun-api-key', 'mailgun'), domain: required(given, 'mailgun-domain', 'mailgun') }),
  // An SMS gateway endpoint sends through SMS Gateway for Android's API, or posts signed webhooks to a gateway of its own.
  sms: (given) => {
    if (given.flags['sms-webhook-url'] !== undefined) {
      const android = (['sms-username', 'sms-password', 'sms-api-url'] as const).find((flag) => given.flags[flag] !== undefined);
      if (android !== undefined) throw new UsageError(`give --sms-webhook-url (a gateway of your own) or SMS Gateway for Android's --sms-username and --sms-password, not --${android} too`);
      return { provider: 'sms', gateway: 'webhook', url: given.flags['sms-webhook-url'], signingSecret: required(given, 'sms-signing-secret', 'sms') };
    }
    if (given.flags['sms-signing-secret'] !== undefined) throw new UsageError('--sms-signing-secret goes with --sms-webhook-url');
    const apiUrl = given.flags['sms-api-url'];
    return { provider: 'sms', gateway: 'android', username: required(given, 'sms-username', 'sms'), password: required(given, 'sms-password', 'sms'), ...(apiUrl !== undefined && { apiUrl }) };
  },
};

/** Refuses another provider's credential flags (each is named after its provider): they were meant for another endpoint. The environment may hold any, and is not asked. */
const refuseOtherProviders = (endpoint: Endpoint, flags: CredentialValues): void => {
  const foreign = credentialFlags.find((flag) => flags[flag] !== undefined && !flag.startsWith(`${endpoint.provider}-`));
  if (foreign !== undefined) {
    throw new UsageError(`--${foreign} is not a ${endpoint.provider} credential, and endpoint ${endpoint.endpointId} is ${endpoint.provider}'s`);
  }
};

const checkedRate = (rate: string): number => {
  const perSecond = Number(rate);
  if (rate.trim() === '' || !Number.isFinite(perSecond) || perSecond <= 0 || perSecond > maxRatePerSecond) {
    throw new UsageError(`--rate is messages per second (SMS: segments), more than 0 and at most ${maxRatePerSecond}; got "${rate}"`);
  }
  return perSecond;
};

const checkedFrom = (from: string): string => {
  if (from.trim() === '' || from !== from.trim()) throw new UsageError('--from is a sending address (a number, a phone number id, a page id), without spaces around it');
  return from;
};

export interface SetCredentialsOptions {
  readonly credentials: CredentialValues;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The address a first message goes out from when its request names none. */
  readonly from?: string;
  /** Messages per second per sending address, instead of the provider's documented default. */
  readonly rate?: string;
  readonly now?: Date;
}

/** What the operator sees of an endpoint's sending: its settings, never its credentials. */
const describeSending = (endpoint: Endpoint, sending: EndpointSending) => ({
  endpointId: endpoint.endpointId,
  provider: endpoint.provider,
  sending: {
    ...(sending.defaultFrom !== undefined && { defaultFrom: sending.defaultFrom }),
    ...(sending.ratePerSecond !== undefined && { ratePerSecond: sending.ratePerSecond }),
    updatedAt: sending.updatedAt,
  },
});

/**
 * Sets an endpoint's send credentials, which also lifts a pause its provider's refusal put on
 * it. The default sending address and the rate already set are kept unless given again.
 */
export const setCredentials = async (target: Target, endpointId: string, options: SetCredentialsOptions) => {
  const endpoint = await target.endpoints.get(endpointId);
  if (!endpoint) throw new UsageError(`no endpoint ${endpointId}`);
  const build = credentialsOf[endpoint.provider];
  if (!build) {
    throw new UsageError(`endpoint ${endpointId} is ${endpoint.provider}'s, and Switchboard sends through ${Object.keys(credentialsOf).join(', ')} endpoints only`);
  }
  refuseOtherProviders(endpoint, options.credentials);
  let credentials;
  try {
    credentials = parseCredentials(build({ flags: options.credentials, env: options.env }));
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`credentials refused: ${(error as Error).message}`);
  }
  const defaultFrom = options.from === undefined ? endpoint.sending?.defaultFrom : checkedFrom(options.from);
  const ratePerSecond = options.rate === undefined ? endpoint.sending?.ratePerSecond : checkedRate(options.rate);
  const sending: EndpointSending = {
    sealedCredentials: sealCredentials(sendKeyOf(await target.sendKey()), endpointId, credentials),
    ...(defaultFrom !== undefined && { defaultFrom }),
    ...(ratePerSecond !== undefined && { ratePerSecond }),
    updatedAt: (options.now ?? new Date()).toISOString(),
  };
  if (!(await target.endpoints.setSending(endpointId, sending))) throw new UsageError(`no endpoint ${endpointId}`);
  return describeSending(endpoint, sending);
};

/** Removes an endpoint's send credentials: nothing is sent through it until they are set again. */
export const removeCredentials = async (target: Target, endpointId: string) => {
  if (!(await target.endpoints.removeSending(endpointId))) throw new UsageError(`no endpoint ${endpointId}`);
  return { endpointId, sending: 'none' };
};
