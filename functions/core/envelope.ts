// zod/mini: the same validation as zod, tree-shaken to what is used (full zod is ~450 KB per bundle).
import * as z from 'zod/mini';

/**
 * What the ack function queues: the request exactly as the provider sent it (raw bytes in
 * base64, so no byte that was signed is lost or re-encoded) plus what the processor needs to
 * know without looking the endpoint up again. A replay can re-verify from this alone.
 */
const fields = {
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
  /**
   * Set only on a part of a request too large for one invocation (see request-parts.ts): the
   * events of the request's normalized list this record stores, from `start` up to but not
   * including `end`. The ack never sets it.
   */
  part: z.optional(
    z.object({ start: z.int().check(z.nonnegative()), end: z.int() }).check(z.refine(({ start, end }) => end > start, 'a part covers at least one event')),
  ),
};

/** The body rides inline, base64, or, when too large for an SQS message, in the body store under `bodyKey`. */
export const envelopeSchema = z.union([
  z.object({ ...fields, body: z.base64() }),
  z.object({ ...fields, bodyKey: z.string().check(z.minLength(1)), bodyBytes: z.number() }),
]);

export type Envelope = z.infer<typeof envelopeSchema>;

/** The envelope a queued body carries, when it is one. */
export const envelopeOf = (body: string | undefined): Envelope | undefined => {
  try {
    const parsed = envelopeSchema.safeParse(JSON.parse(body ?? ''));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
};

/** The request's exact bytes, wherever they were kept. */
export const rawBody = async (envelope: Envelope, fetchBody: (key: string) => Promise<Buffer>): Promise<Buffer> =>
  'body' in envelope ? Buffer.from(envelope.body, 'base64') : fetchBody(envelope.bodyKey);
