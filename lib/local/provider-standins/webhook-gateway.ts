import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { newWebhookId } from '../../../functions/providers/standard/sample.ts';
import { standardWebhookHeaders, verifyStandardWebhook } from '../../../functions/providers/standard/signature.ts';
import { Faults, type Fault } from './faults.ts';
import { startProviderStandIn, type ProviderStandIn } from './stand-in.ts';
import { Callbacks, json, readBody, sleep, type Answer } from './http.ts';

/**
 * A generic SMS gateway on 127.0.0.1, as functions/providers/sms/webhook-send.ts expects one:
 * it takes `message.send` Standard Webhooks POSTs on any path, verifies their signature with
 * the secret of one of its accounts, answers `{ id }` (the same id again for a repeat of a
 * webhook-id, without taking it twice), then posts `message.status` sent and delivered back to
 * the account's status webhook (functions/providers/sms/gateway-events.ts).
 */

/** One sender the gateway knows: the secret its `message.send` is signed with, and where its statuses go. */
export interface WebhookGatewayAccount {
  readonly signingSecret: string;
  /**
   * The endpoint's webhook and its secret: a `whsec_` secret signs the statuses (Standard
   * Webhooks), any other is sent as the bearer token. Absent: no status is posted.
   */
  readonly statusWebhook?: { readonly url: string; readonly secret: string };
}

export interface WebhookGatewayStandInOptions {
  /** @default 0, any free port */
  readonly port?: number;
  readonly accounts: () => Promise<readonly WebhookGatewayAccount[]>;
  /** How long after the send each status posts. @default { sent: 5, delivered: 10 } */
  readonly callbackDelaysMs?: { readonly sent?: number; readonly delivered?: number };
}

/** A message the gateway took, as a test reads it. */
export interface WebhookGatewayStandInMessage {
  /** The gateway's own id, as it answered. */
  readonly id: string;
  /** The webhook-id: our message id. */
  readonly webhookId: string;
  readonly from: string;
  readonly to: string;
  readonly text: string;
  readonly media: readonly { readonly url: string; readonly contentType?: string }[];
  readonly createdAt: Date;
}

export type WebhookGatewayStandIn = ProviderStandIn<WebhookGatewayStandInMessage>;

const error = (status: number, message: string, headers: Record<string, string> = {}): Answer => json(status, { error: message }, headers);

const faultAnswer = (fault: Fault & { status: number }): Answer =>
  error(fault.status, `injected ${fault.status}`, fault.retryAfterSeconds === undefined ? {} : { 'retry-after': String(fault.retryAfterSeconds) });

interface MessageSend {
  readonly type?: unknown;
  readonly data?: { readonly id?: unknown; readonly from?: unknown; readonly to?: unknown; readonly text?: unknown; readonly media?: unknown };
}

const stringHeaders = (request: IncomingMessage): Record<string, string> =>
  Object.fromEntries(Object.entries(request.headers).flatMap(([name, value]) => (typeof value === 'string' ? [[name, value]] : [])));

export const startWebhookGatewayStandIn = async (options: WebhookGatewayStandInOptions): Promise<WebhookGatewayStandIn> => {
  const messages: WebhookGatewayStandInMessage[] = [];
  const faults = new Faults();
  const callbacks = new Callbacks();
  const stopping = new AbortController();
  const delays = { sent: 5, delivered: 10, ...options.callbackDelaysMs };

  const scheduleStatuses = (message: WebhookGatewayStandInMessage, account: WebhookGatewayAccount): void => {
    const webhook = account.statusWebhook;
    if (!webhook) return;
    for (const [status, delay] of [['sent', delays.sent], ['delivered', delays.delivered]] as const) {
      callbacks.schedule(delay, async () => {
        const at = new Date();
        const body = JSON.stringify({
          type: 'message.status',
          timestamp: at.toISOString(),
          data: { messageId: message.webhookId, status, channel: 'sms', from: message.from, to: message.to, timestamp: at.toISOString() },
        });
        const webhookId = newWebhookId();
        const credentials = webhook.secret.startsWith('whsec_')
          ? standardWebhookHeaders(webhook.secret, webhookId, at, body)
          : { authorization: `Bearer ${webhook.secret}`, 'webhook-id': webhookId };
        return { url: webhook.url, headers: { 'content-type': 'application/json', ...credentials }, body };
      });
    }
  };

  const handle = async (request: IncomingMessage): Promise<Answer> => {
    if (request.method !== 'POST') return error(405, 'POST message.send');
    const text = await readBody(request);
    if (text === undefined) return error(413, 'too large');
    const headers = stringHeaders(request);
    const accounts = await options.accounts();
    const account = accounts.find((candidate) => verifyStandardWebhook({ url: request.url ?? '/', headers, body: Buffer.from(text) }, [candidate.signingSecret], new Date()).ok);
    if (!account) return error(401, 'invalid webhook-signature');
    const webhookId = headers['webhook-id'] ?? '';
    // The webhook-id is the same on every attempt of one message: a repeat is answered, not taken again.
    const repeat = messages.find((message) => message.webhookId === webhookId);
    if (repeat) return json(200, { id: repeat.id });
    const fault = faults.next();
    if (fault?.delayMs) await sleep(fault.delayMs, stopping.signal);
    if (fault?.status !== undefined && !fault.afterAccepting) return faultAnswer({ ...fault, status: fault.status });
    let payload: MessageSend;
    try {
      payload = JSON.parse(text) as MessageSend;
    } catch {
      return error(400, 'not JSON');
    }
    const { data } = payload;
    if (payload.type !== 'message.send' || typeof data?.from !== 'string' || typeof data.to !== 'string' || typeof data.text !== 'string') {
      return error(400, 'expected message.send with data.from, data.to and data.text');
    }
    const message: WebhookGatewayStandInMessage = {
      id: `gw_${randomBytes(12).toString('hex')}`,
      webhookId,
      from: data.from,
      to: data.to,
      text: data.text,
      media: Array.isArray(data.media) ? (data.media as WebhookGatewayStandInMessage['media']) : [],
      createdAt: new Date(),
    };
    messages.push(message);
    scheduleStatuses(message, account);
    if (fault?.status !== undefined) return faultAnswer({ ...fault, status: fault.status });
    return json(200, { id: message.id });
  };

  return startProviderStandIn({ port: options.port ?? 0, handle, internalError: error(500, 'internal error'), messages, faults, callbacks, stopping });
};
