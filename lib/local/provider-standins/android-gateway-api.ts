import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { androidGatewaySignature } from '../../../functions/providers/sms/android-signature.ts';
import { Faults, type Fault } from './faults.ts';
import { startProviderStandIn, type ProviderStandIn } from './stand-in.ts';
import { Callbacks, json, readBody, sleep, type Answer } from './http.ts';

/**
 * A stand-in for SMS Gateway for Android's cloud API on 127.0.0.1: `POST /3rdparty/v1/messages`
 * (and its deprecated `/message` path) and `GET /3rdparty/v1/messages/{id}`, with basic auth,
 * answering as android-sms-gateway/server's handlers/messages/3rdparty.go does (202 with the
 * message's state, 400, 401, 409 for an id already taken, `{ message }` bodies), then posting
 * the app's sms:sent and sms:delivered webhooks, signed as the app signs them (X-Signature,
 * X-Timestamp) with the account's signing key.
 */

/** An account of the cloud server: its password, and the webhook its device posts to. */
export interface AndroidGatewayAccount {
  readonly password: string;
  /** Where the device's webhooks go, and the signing key it signs them with; absent: none are posted. */
  readonly webhook?: { readonly url: string; readonly signingKey: string };
}

export interface AndroidGatewayApiStandInOptions {
  /** @default 0, any free port */
  readonly port?: number;
  /** The account a username names; undefined when there is none. */
  readonly accountOf: (username: string) => Promise<AndroidGatewayAccount | undefined>;
  /** How long after the send each webhook posts. @default { sent: 5, delivered: 10 } */
  readonly callbackDelaysMs?: { readonly sent?: number; readonly delivered?: number };
}

/** A message the stand-in took, as a test reads it. */
export interface AndroidGatewayStandInMessage {
  readonly id: string;
  readonly username: string;
  readonly deviceId: string;
  readonly phoneNumbers: readonly string[];
  readonly text: string;
  readonly withDeliveryReport: boolean;
  readonly createdAt: Date;
  state: 'Pending' | 'Processed' | 'Sent' | 'Delivered' | 'Failed';
}

export type AndroidGatewayApiStandIn = ProviderStandIn<AndroidGatewayStandInMessage>;

const messageError = (status: number, message: string, headers: Record<string, string> = {}): Answer => json(status, { message }, headers);

const internalError = messageError(500, 'failed to handle request');
const unauthorized = messageError(401, 'Unauthorized');
const notFound = messageError(404, 'Not Found');

const faultMessages: Readonly<Record<number, string>> = {
  429: 'Too Many Requests',
  500: 'failed to handle request',
  503: 'queue limit exceeded',
  400: 'invalid phone number',
};

const faultAnswer = (fault: Fault & { status: number }): Answer =>
  messageError(fault.status, faultMessages[fault.status] ?? 'Error', fault.retryAfterSeconds === undefined ? {} : { 'retry-after': String(fault.retryAfterSeconds) });

// nanoid's alphabet and length, as the server makes message and device ids.
const newId = (): string => randomBytes(16).toString('base64url').slice(0, 21);

const e164 = /^\+[1-9]\d{6,14}$/;

const sameSecret = (given: string, expected: string): boolean => given.length === expected.length && timingSafeEqual(Buffer.from(given), Buffer.from(expected));

/** The MessageState the API answers with (client-go smsgateway/domain_messages.go). */
const stateOf = (message: AndroidGatewayStandInMessage) => ({
  id: message.id,
  deviceId: message.deviceId,
  state: message.state,
  isHashed: false,
  isEncrypted: false,
  recipients: message.phoneNumbers.map((phoneNumber) => ({ phoneNumber, state: message.state })),
  states: { Pending: message.createdAt.toISOString() },
});

interface SendBody {
  readonly id?: unknown;
  readonly deviceId?: unknown;
  readonly message?: unknown;
  readonly textMessage?: { readonly text?: unknown };
  readonly phoneNumbers?: unknown;
  readonly withDeliveryReport?: unknown;
}

/** The refusal the server gives a message it cannot take as it is, if any. */
const validationError = (body: SendBody): Answer | undefined => {
  const text = body.textMessage?.text ?? body.message;
  if (typeof text !== 'string' || text === '') return messageError(400, 'must specify exactly one of: textMessage or dataMessage');
  if (!Array.isArray(body.phoneNumbers) || body.phoneNumbers.length === 0) return messageError(400, 'phoneNumbers is required');
  const invalid = body.phoneNumbers.find((number) => typeof number !== 'string' || !e164.test(number));
  if (invalid !== undefined) return messageError(400, `invalid phone number: ${String(invalid)}`);
  if (body.id !== undefined && (typeof body.id !== 'string' || body.id.length > 36)) return messageError(400, 'id must be at most 36 characters');
  return undefined;
};

const usernameAndPassword = (request: IncomingMessage): [string, string] | undefined => {
  const [scheme, encoded] = (request.headers.authorization ?? '').split(' ');
  if (scheme !== 'Basic' || !encoded) return undefined;
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon === -1 ? undefined : [decoded.slice(0, colon), decoded.slice(colon + 1)];
};

export const startAndroidGatewayApiStandIn = async (options: AndroidGatewayApiStandInOptions): Promise<AndroidGatewayApiStandIn> => {
  const messages: AndroidGatewayStandInMessage[] = [];
  const faults = new Faults();
  const callbacks = new Callbacks();
  const stopping = new AbortController();
  const delays = { sent: 5, delivered: 10, ...options.callbackDelaysMs };
  // One device per account, as a user with one phone has.
  const devices = new Map<string, string>();
  const deviceOf = (username: string): string => devices.get(username) ?? devices.set(username, newId()).get(username) ?? '';

  const authenticated = async (request: IncomingMessage): Promise<{ username: string; account: AndroidGatewayAccount } | undefined> => {
    const given = usernameAndPassword(request);
    if (!given) return undefined;
    const account = await options.accountOf(given[0]);
    return account && sameSecret(given[1], account.password) ? { username: given[0], account } : undefined;
  };

  /** The app's webhooks for the message, each signed when it posts; sms:delivered only when a delivery report was asked for. */
  const scheduleWebhooks = (message: AndroidGatewayStandInMessage): void => {
    const events: ['sms:sent' | 'sms:delivered', number][] = [['sms:sent', delays.sent], ...(message.withDeliveryReport ? [['sms:delivered', delays.delivered] as ['sms:delivered', number]] : [])];
    for (const [event, delay] of events) {
      callbacks.schedule(delay, async () => {
        message.state = event === 'sms:sent' ? 'Sent' : 'Delivered';
        const account = await options.accountOf(message.username);
        if (!account?.webhook) return undefined;
        const at = new Date();
        // https://docs.sms-gate.app/features/webhooks/: `{ deviceId, event, id, payload, webhookId }`.
        const body = JSON.stringify({
          deviceId: message.deviceId,
          event,
          id: newId(),
          payload: {
            messageId: message.id,
            phoneNumber: message.phoneNumbers[0],
            recipient: message.phoneNumbers[0],
            simNumber: 1,
            [event === 'sms:sent' ? 'sentAt' : 'deliveredAt']: at.toISOString(),
          },
          webhookId: newId(),
        });
        const timestamp = String(Math.floor(at.getTime() / 1000));
        const signature = androidGatewaySignature(account.webhook.signingKey, Buffer.from(body), timestamp);
        return { url: account.webhook.url, headers: { 'content-type': 'application/json', 'x-timestamp': timestamp, 'x-signature': signature }, body };
      });
    }
  };

  const enqueue = async (username: string, request: IncomingMessage): Promise<Answer> => {
    const text = await readBody(request);
    if (text === undefined) return messageError(413, 'Request Entity Too Large');
    const fault = faults.next();
    if (fault?.delayMs) await sleep(fault.delayMs, stopping.signal);
    if (fault?.status !== undefined && !fault.afterAccepting) return faultAnswer({ ...fault, status: fault.status });
    let body: SendBody;
    try {
      body = JSON.parse(text) as SendBody;
    } catch {
      return messageError(400, 'invalid JSON');
    }
    const invalid = validationError(body);
    if (invalid) return invalid;
    const id = typeof body.id === 'string' && body.id !== '' ? body.id : newId();
    if (messages.some((message) => message.username === username && message.id === id)) return messageError(409, 'message with the same ID already exists');
    const message: AndroidGatewayStandInMessage = {
      id,
      username,
      deviceId: typeof body.deviceId === 'string' ? body.deviceId : deviceOf(username),
      phoneNumbers: body.phoneNumbers as string[],
      text: (body.textMessage?.text ?? body.message) as string,
      // "withDeliveryReport: true" is the API's default.
      withDeliveryReport: body.withDeliveryReport !== false,
      createdAt: new Date(),
      state: 'Pending',
    };
    messages.push(message);
    scheduleWebhooks(message);
    if (fault?.status !== undefined) return faultAnswer({ ...fault, status: fault.status });
    return json(202, stateOf(message), { location: `/3rdparty/v1/messages/${id}` });
  };

  const handle = async (request: IncomingMessage): Promise<Answer> => {
    const { pathname } = new URL(request.url ?? '/', 'http://127.0.0.1');
    const route = /^\/3rdparty\/v1\/messages?(?:\/([^/]+))?$/.exec(pathname);
    if (!route) return notFound;
    const caller = await authenticated(request);
    if (!caller) return unauthorized;
    const [, id] = route;
    if (id === undefined) return request.method === 'POST' ? enqueue(caller.username, request) : messageError(405, 'Method Not Allowed');
    if (request.method !== 'GET') return messageError(405, 'Method Not Allowed');
    const message = messages.find((candidate) => candidate.username === caller.username && candidate.id === decodeURIComponent(id));
    return message ? json(200, stateOf(message)) : messageError(404, 'message not found');
  };

  return startProviderStandIn({ port: options.port ?? 0, handle, internalError, messages, faults, callbacks, stopping });
};
