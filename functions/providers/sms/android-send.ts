import type { DeliveryStatus } from '../../core/message.ts';
import type { LookupResult, ProviderError, SendCredentials, SendOutcome, SendRequest } from '../../core/outbound.ts';
import { transportOutcome } from '../senders.ts';
import { classifyGatewayRefusal, readJson, refusedUrl, unsendableUrl, type GatewayWords } from './gateway-answers.ts';

/**
 * SMS Gateway for Android's send client: `POST {apiUrl}/3rdparty/v1/messages` with the username
 * and password the app shows (basic auth), carrying our message id as the message's `id`, so
 * that the app's sms:sent/delivered/failed webhooks name it back (android-gateway.ts) and a
 * resend of the same message is refused as a duplicate (409) instead of sent twice.
 * `/3rdparty/v1/message` is the older, deprecated path of the same handler.
 * https://docs.sms-gate.app/features/sending-messages/ (android-sms-gateway/docs-web
 * docs/features/sending-messages.md); answers: android-sms-gateway/server
 * internal/sms-gateway/handlers/messages/3rdparty.go.
 */

type AndroidCredentials = Extract<SendCredentials, { provider: 'sms'; gateway: 'android' }>;

export const androidGateway: GatewayWords = {
  name: 'SMS Gateway for Android',
  credentialsHint: "SMS Gateway for Android refused the endpoint's username and password: set the ones the app shows (Cloud or Private server) with switchboard endpoint credentials.",
};

/** The API's root: a private server's `apiUrl` (`https://host/api`), else the cloud server's. */
const messagesUrl = (baseUrl: string, credentials: AndroidCredentials): string =>
  `${(credentials.apiUrl ?? baseUrl).replace(/\/+$/, '')}/3rdparty/v1/messages`;

const authorizationOf = (credentials: AndroidCredentials): string =>
  `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;

// A device id is 21 characters of nanoid's alphabet (MessageState.deviceId, `max=21`); a number starts with + or a digit run.
const deviceId = /^[A-Za-z0-9_-]{21}$/;

/**
 * The message: its text to the customer's number, with a delivery report, under our id. When we
 * know the gateway by its device (inbound SMS named no SIM number), the reply goes out through
 * the same device.
 */
export const androidMessageBody = (request: SendRequest): Record<string, unknown> => ({
  id: request.messageId,
  textMessage: { text: request.content.text ?? '' },
  phoneNumbers: [request.to],
  withDeliveryReport: true,
  ...(deviceId.test(request.from) && { deviceId: request.from }),
});

const textOnly = (code: string, message: string, hint: string): SendOutcome => ({ kind: 'failed', category: 'permanent', code, message, hint });

/** What the API cannot send as it is, refused before a call. */
export const androidRefusal = (request: SendRequest): SendOutcome | undefined => {
  if (request.content.template) return textOnly('switchboard.no_templates', 'a template on SMS', 'Templates are for WhatsApp: send text.');
  if ((request.content.media?.length ?? 0) > 0) {
    return textOnly('switchboard.sms_text_only', 'media through SMS Gateway for Android', 'This endpoint sends text only: send a link to the file instead.');
  }
  if (!request.content.text) return textOnly('switchboard.empty', 'an empty SMS', 'Give the message text.');
  return undefined;
};

const idOf = (body: unknown): string | undefined => {
  const id = typeof body === 'object' && body !== null ? (body as { id?: unknown }).id : undefined;
  return typeof id === 'string' && id !== '' ? id : undefined;
};

const outcomeOf = async (response: Response, request: SendRequest): Promise<SendOutcome> => {
  // A 202 enqueued it under the id we gave; a 409 says a message of that id already exists: an
  // earlier attempt whose answer was lost. Either way it is ours, under our id.
  if (response.ok) return { kind: 'accepted', providerMessageId: idOf(await readJson(response)) ?? request.messageId };
  if (response.status === 409) return { kind: 'accepted', providerMessageId: request.messageId };
  // "Queue limits exceeded; ensure device is online": refused before it was queued.
  if (response.status === 503) {
    const refusal = await classifyGatewayRefusal(androidGateway, response);
    return refusal.kind === 'unknown' ? { ...refusal, kind: 'temporary' } : refusal;
  }
  return classifyGatewayRefusal(androidGateway, response);
};

export const sendThroughAndroidGateway = async (baseUrl: string, request: SendRequest, credentials: AndroidCredentials, signal: AbortSignal): Promise<SendOutcome> => {
  const refusal = androidRefusal(request);
  if (refusal) return refusal;
  const url = messagesUrl(baseUrl, credentials);
  const unsendable = unsendableUrl(url);
  if (unsendable) return refusedUrl(androidGateway, unsendable);
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { authorization: authorizationOf(credentials), 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(androidMessageBody(request)),
      redirect: 'manual',
      signal,
    });
  } catch (error) {
    return transportOutcome(error, androidGateway.name);
  }
  try {
    return await outcomeOf(response, request);
  } catch (error) {
    return transportOutcome(error, androidGateway.name);
  }
};

/** The message's state, as `GET /3rdparty/v1/messages/{id}` gives it: 404 when the server has no message of that id. */
const fetchState = async (baseUrl: string, id: string, credentials: AndroidCredentials, signal: AbortSignal): Promise<Response | undefined> => {
  const url = `${messagesUrl(baseUrl, credentials)}/${encodeURIComponent(id)}`;
  if (unsendableUrl(url)) return undefined;
  try {
    return await fetch(url, { headers: { authorization: authorizationOf(credentials), accept: 'application/json' }, redirect: 'manual', signal });
  } catch {
    return undefined;
  }
};

/** Asks for the message by our id: the server has it (it was taken), has none (it was not), or cannot say. */
export const lookUpOnAndroidGateway = async (baseUrl: string, request: SendRequest, credentials: AndroidCredentials, signal: AbortSignal): Promise<LookupResult> => {
  const response = await fetchState(baseUrl, request.messageId, credentials, signal);
  if (response?.status === 404) return { found: false };
  if (!response?.ok) return { found: 'unknown' };
  try {
    return { found: true, providerMessageId: idOf(await response.json()) ?? request.messageId };
  } catch {
    return { found: 'unknown' };
  }
};

/**
 * The API's ProcessingState on our delivery ranks: not yet handed to the SIM (Pending,
 * Processed, Cancelling) as queued; Cancelled as failed, since it will never arrive.
 * https://docs.sms-gate.app/features/status-tracking/ (android-sms-gateway/client-go smsgateway/domain_messages.go)
 */
const deliveryStatuses: ReadonlyMap<string, DeliveryStatus> = new Map([
  ['Pending', 'queued'],
  ['Processed', 'queued'],
  ['Cancelling', 'queued'],
  ['Sent', 'sent'],
  ['Delivered', 'delivered'],
  ['Failed', 'failed'],
  ['Cancelled', 'failed'],
]);

interface MessageState {
  readonly state?: string;
  readonly recipients?: readonly { readonly state?: string; readonly error?: string | null }[];
}

/** Where the message is now, for the reconciler: undefined when the server does not answer or names no known state. */
export const androidGatewayStatus = async (
  baseUrl: string,
  providerMessageId: string,
  credentials: AndroidCredentials,
  signal: AbortSignal,
): Promise<{ status: DeliveryStatus; providerStatus: string; error?: ProviderError } | undefined> => {
  const response = await fetchState(baseUrl, providerMessageId, credentials, signal);
  if (!response?.ok) return undefined;
  const body = (await readJson(response)) as MessageState | undefined;
  const providerStatus = body?.state;
  const status = providerStatus === undefined ? undefined : deliveryStatuses.get(providerStatus);
  if (!status || !providerStatus) return undefined;
  const reason = body?.recipients?.find((recipient) => recipient.error)?.error;
  return { status, providerStatus, ...(reason && { error: { code: providerStatus, message: reason } }) };
};
