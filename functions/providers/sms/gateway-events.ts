import { PermanentError } from '../../core/errors.ts';
import type { NormalizedEvent } from '../../core/message.ts';
import { normalizeStandardPayload } from '../standard/payload.ts';
import { signedHeadersOf } from '../standard/signature.ts';
import type { WebhookRequest } from '../types.ts';

/**
 * What a generic gateway posts back about the messages it was sent (webhook-send.ts): the
 * Standard Webhooks payload the `standard` provider reads (standard/payload.ts), in the same
 * `{ "type", "timestamp"?, "data" }` envelope, with its webhook-id as the dedupe key. For a sent
 * message that is `message.status`, with `data` = `{ "messageId", "status":
 * queued|sent|delivered|read|failed, "channel": "sms", "from", "to", "error"?: { "code",
 * "message"? }, "timestamp"? }`, `messageId` being the `data.id` of its `message.send` (our
 * id) or the id the gateway answered with; `from` the business, `to` the customer. An incoming
 * SMS may come the same way, as `message.received`.
 */
export const normalizeGatewayEvent = (request: WebhookRequest): NormalizedEvent[] => {
  const webhookId = signedHeadersOf(request.headers)?.id ?? request.headers['webhook-id'];
  if (!webhookId) throw new PermanentError('a gateway event names no webhook-id');
  // The status names our id when the gateway kept the one we sent: it then finds the message without an alias.
  return normalizeStandardPayload(request.body, webhookId).map((event) =>
    event.kind === 'status' && event.providerMessageIds[0] !== undefined ? { ...event, correlationId: event.providerMessageIds[0] } : event,
  );
};
