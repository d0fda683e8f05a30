// zod/mini: the same validation as zod, tree-shaken to what is used (full zod is ~450 KB per bundle).
import * as z from 'zod/mini';

/**
 * What the ack function queues: the request exactly as the provider sent it (raw bytes in
 * base64, so no byte that was signed is lost or re-encoded) plus what the processor needs to
 * know without looking the endpoint up again. A replay can re-verify from this alone.
 */
export const envelopeSchema = z.object({
  version: z.literal(1),
  /** Follows the webhook from ack to WebSocket frame. */
  requestId: z.string().check(z.minLength(1)),
  provider: z.string().check(z.minLength(1)),
  endpointId: z.string().check(z.minLength(1)),
  tenantId: z.string().check(z.minLength(1)),
  receivedAt: z.iso.datetime(),
  /** The public URL the provider called, as signed. */
  url: z.url(),
  /** Only the headers verification and parsing need, lower-cased. */
  headers: z.record(z.string(), z.string()),
  body: z.base64(),
});

export type Envelope = z.infer<typeof envelopeSchema>;

export const rawBody = (envelope: Envelope): Buffer => Buffer.from(envelope.body, 'base64');
