import type { SendCredentials, SendOutcome, SendRequest } from '../../core/outbound.ts';
import { standardWebhookHeaders } from '../standard/signature.ts';
import { transportOutcome } from '../senders.ts';
import { classifyGatewayRefusal, readJson, refusedUrl, unsendableUrl, type GatewayWords } from './gateway-answers.ts';

/**
 * A generic gateway's send client: `message.send` as a Standard Webhooks POST to the URL the
 * endpoint's credentials name, signed with their `whsec_` secret
 * (https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md).
 *
 * Body: `{ "type": "message.send", "timestamp", "data": { "id", "channel": "sms", "from", "to",
 * "text", "media"?: [{ "url", "contentType" }] } }`. `data.id` and `webhook-id` are our message
 * id, the same on every attempt of the message, so that the gateway can drop a repeat.
 * Answer: a 2xx, with `{ "id" }` naming the gateway's message when it has one of its own.
 * Statuses come back to the endpoint's webhook as `message.status` naming `data.id` (index.ts).
 */

type WebhookCredentials = Extract<SendCredentials, { provider: 'sms'; gateway: 'webhook' }>;

export const webhookGateway: GatewayWords = {
  name: 'SMS gateway',
  credentialsHint: "The gateway refused the endpoint's signature: give it the endpoint's signing secret, or set the one it holds with switchboard endpoint credentials.",
};

/** The `message.send` body, at `now`. */
export const messageSendBody = (request: SendRequest, now: Date): string => {
  const { text = '', media = [] } = request.content;
  return JSON.stringify({
    type: 'message.send',
    timestamp: now.toISOString(),
    data: {
      id: request.messageId,
      channel: request.channel,
      from: request.from,
      to: request.to,
      text,
      ...(media.length > 0 && { media: media.map(({ url, contentType }) => ({ url, contentType })) }),
    },
  });
};

const gatewayIdOf = (body: unknown): string | undefined => {
  const id = typeof body === 'object' && body !== null ? (body as { id?: unknown }).id : undefined;
  if (typeof id === 'number') return String(id);
  return typeof id === 'string' && id !== '' ? id : undefined;
};

/**
 * A 2xx is the gateway taking the message, with or without an id of its own: its statuses name
 * our id, so nothing is lost without one, whereas calling it unknown would leave a message the
 * gateway said it took waiting for a lookup this contract does not have, then failing it.
 */
const outcomeOf = async (response: Response, request: SendRequest): Promise<SendOutcome> =>
  response.ok
    ? { kind: 'accepted', providerMessageId: gatewayIdOf(await readJson(response)) ?? request.messageId }
    : classifyGatewayRefusal(webhookGateway, response);

export const sendThroughWebhookGateway = async (request: SendRequest, credentials: WebhookCredentials, signal: AbortSignal, now = new Date()): Promise<SendOutcome> => {
  if (request.content.template) {
    return { kind: 'failed', category: 'permanent', code: 'switchboard.no_templates', message: 'a template on SMS', hint: 'Templates are for WhatsApp: send text.' };
  }
  const unsendable = unsendableUrl(credentials.url);
  if (unsendable) return refusedUrl(webhookGateway, unsendable);
  const body = messageSendBody(request, now);
  let response: Response;
  try {
    response = await fetch(credentials.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', ...standardWebhookHeaders(credentials.signingSecret, request.messageId, now, body) },
      body,
      redirect: 'manual',
      signal,
    });
  } catch (error) {
    return transportOutcome(error, webhookGateway.name);
  }
  try {
    return await outcomeOf(response, request);
  } catch (error) {
    return transportOutcome(error, webhookGateway.name);
  }
};
