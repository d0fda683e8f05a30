import * as z from 'zod/mini';
import { PermanentError } from '../../core/errors.ts';
import { parseAs } from '../parse.ts';
import type { DeliveryStatus, NormalizedEvent, NormalizedMessage } from '../../core/message.ts';
import { gatewayTime } from './gateway-time.ts';

/**
 * SMS Gateway for Android's webhook events: `{ deviceId, event, id, payload, webhookId }`
 * (android-sms-gateway/docs-web docs/features/webhooks.md; payload types in
 * android-sms-gateway/client-ts src/webhooks.ts). The event `id` is the dedupe key: the
 * payload's `messageId` is derived from the content of an incoming SMS and is not unique. A
 * status names the sent message by the id its sender gave it: Switchboard gives our own.
 */

const nonEmpty = z.string().check(z.minLength(1));
// The app fills `sender`/`recipient` in newer versions and only `phoneNumber` in older ones; the
// SIM's own number may be unknown to Android, hence null.
const address = z.nullish(z.string());

const envelopeSchema = z.object({
  deviceId: nonEmpty,
  event: nonEmpty,
  id: nonEmpty,
  payload: z.optional(z.record(z.string(), z.unknown())),
});

type Envelope = z.output<typeof envelopeSchema>;

const receivedSmsSchema = z.object({
  message: z.string(),
  sender: address,
  recipient: address,
  phoneNumber: address,
  receivedAt: z.optional(z.unknown()),
});

const receivedBatchSchema = z.object({ messages: z.array(receivedSmsSchema) });

const statusSchema = z.object({
  messageId: nonEmpty,
  sender: address,
  recipient: address,
  phoneNumber: address,
  reason: z.optional(z.string()),
  error: z.optional(z.string()),
});

interface StatusEvent {
  readonly status: DeliveryStatus;
  /** The payload field that says when it happened. */
  readonly timeField: string;
}

const statusEvents: Readonly<Record<string, StatusEvent>> = {
  'sms:sent': { status: 'sent', timeField: 'sentAt' },
  'sms:delivered': { status: 'delivered', timeField: 'deliveredAt' },
  'sms:failed': { status: 'failed', timeField: 'failedAt' },
  // Cancelled before it was sent: it will never arrive, which is what `failed` means to an agent.
  'sms:cancelled': { status: 'failed', timeField: 'cancelledAt' },
};

const parsed = <Schema extends z.ZodMiniType>(schema: Schema, envelope: Envelope): z.output<Schema> =>
  parseAs(schema, envelope.payload, `a well-formed ${envelope.event} payload`);

/** The gateway's side of the conversation: its SIM's number when Android knows it, else the device. */
const gatewaySide = (ownNumber: string | null | undefined, envelope: Envelope): string => ownNumber || envelope.deviceId;

const receivedSms = (sms: z.output<typeof receivedSmsSchema>, envelope: Envelope, providerMessageId: string): NormalizedMessage => {
  const from = sms.sender || sms.phoneNumber;
  if (!from) throw new PermanentError(`${envelope.event} ${envelope.id} names no sender`);
  const to = gatewaySide(sms.recipient, envelope);
  const providerTimestamp = gatewayTime(sms.receivedAt);
  return {
    kind: 'message',
    channel: 'sms',
    direction: 'inbound',
    providerMessageId,
    businessAddress: to,
    customerAddress: from,
    from,
    to,
    text: sms.message,
    media: [],
    contentType: 'text',
    ...(providerTimestamp && { providerTimestamp }),
  };
};

const status = (envelope: Envelope, { status, timeField }: StatusEvent): NormalizedEvent => {
  const receipt = parsed(statusSchema, envelope);
  const customer = receipt.recipient || receipt.phoneNumber;
  if (!customer) throw new PermanentError(`${envelope.event} ${envelope.id} names no recipient`);
  const reason = receipt.reason ?? receipt.error;
  const providerTimestamp = gatewayTime(envelope.payload?.[timeField]);
  return {
    kind: 'status',
    channel: 'sms',
    businessAddress: gatewaySide(receipt.sender, envelope),
    customerAddress: customer,
    eventId: envelope.id,
    providerMessageIds: [receipt.messageId],
    correlationId: receipt.messageId,
    status,
    providerStatus: envelope.event,
    ...(reason && { error: { code: reason } }),
    ...(providerTimestamp && { providerTimestamp }),
  };
};

/** system:ping, MMS and data-SMS notifications, app:started and events newer than this code. */
const notice = (envelope: Envelope): NormalizedEvent => ({
  kind: 'notice',
  eventId: envelope.id,
  name: envelope.event,
  channel: 'sms',
  businessAddress: envelope.deviceId,
  ...(envelope.payload && { details: envelope.payload }),
});

const normalizeEnvelope = (envelope: Envelope): NormalizedEvent[] => {
  if (envelope.event === 'sms:received') return [receivedSms(parsed(receivedSmsSchema, envelope), envelope, envelope.id)];
  // One event id for the whole batch: each SMS is keyed by its place in it, which retries keep.
  if (envelope.event === 'sms:batch:received') {
    return parsed(receivedBatchSchema, envelope).messages.map((sms, index) => receivedSms(sms, envelope, `${envelope.id}/${index}`));
  }
  const statusEvent = Object.hasOwn(statusEvents, envelope.event) ? statusEvents[envelope.event] : undefined;
  return [statusEvent ? status(envelope, statusEvent) : notice(envelope)];
};

/** Every event of an SMS Gateway for Android webhook, whose body has an `event` field. */
export const normalizeAndroidGatewayEvent = (fields: Readonly<Record<string, unknown>>): NormalizedEvent[] => {
  return normalizeEnvelope(parseAs(envelopeSchema, fields, 'an SMS Gateway for Android event'));
};
