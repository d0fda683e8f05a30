import { metaJson, newWamid, signedMetaRequest, whatsappTextPayload } from '../../functions/providers/meta/sample.ts';
import type { SampleRequest } from '../../functions/providers/types.ts';
import { aTwilioEnvelope, endpointId, publicBaseUrl, type InlineEnvelope } from './factories.ts';
import { providerCredentials } from './provider-credentials.ts';

export interface BulkWhatsappOptions {
  readonly appSecret: string;
  readonly count: number;
  /** Distinct customers the messages come from, in turn. */
  readonly customers?: number;
  /** The business's phone_number_id. */
  readonly to?: string;
}

export interface BulkWhatsappRequest extends SampleRequest {
  /** The wamids, in the order the body carries them. */
  readonly messageIds: readonly string[];
}

type WhatsappPayload = { entry: [{ changes: [{ value: { messages: unknown[] } }] }] };

/**
 * One signed WhatsApp webhook carrying `count` inbound text messages (about 120 bytes each,
 * so 10,000 make a 1.2 MB body): Meta's own shape, with its single change's `messages` grown.
 */
export const bulkWhatsappRequest = ({ appSecret, count, customers = 100, to = '106540352242922' }: BulkWhatsappOptions): BulkWhatsappRequest => {
  const sentAt = new Date();
  const messageIds = Array.from({ length: count }, newWamid);
  const customer = (index: number) => String(16_505_550_000 + (index % customers));
  const payload = whatsappTextPayload({ text: 'Bulk #0', from: customer(0), to, sentAt, messageId: messageIds[0]! }) as WhatsappPayload;
  const [first] = payload.entry[0].changes[0].value.messages as [Record<string, unknown>];
  payload.entry[0].changes[0].value.messages = messageIds.map((id, index) => ({ ...first, from: customer(index), id, text: { body: `Bulk #${index}` } }));
  return { ...signedMetaRequest(appSecret, metaJson(payload)), messageIds };
};

/** The envelope the ack would queue for a bulk WhatsApp request, its body inline. */
export const aBulkWhatsappEnvelope = (count: number, overrides: Partial<InlineEnvelope> = {}): InlineEnvelope & { messageIds: readonly string[] } => {
  const request = bulkWhatsappRequest({ appSecret: providerCredentials.meta!.secret, count });
  return {
    ...aTwilioEnvelope({}, {
      requestId: 'req_bulk',
      provider: 'meta',
      url: `${publicBaseUrl}/webhooks/meta/${endpointId}`,
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': request.headers['x-hub-signature-256'] ?? '' },
      body: Buffer.from(request.body).toString('base64'),
      ...overrides,
    }),
    messageIds: request.messageIds,
  };
};
