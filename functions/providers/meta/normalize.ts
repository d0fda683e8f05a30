import * as z from 'zod/mini';
import { PermanentError } from '../../core/errors.ts';
import type { NormalizedEvent } from '../../core/message.ts';
import { normalizeMessagingEntries } from './messaging.ts';
import { parseAs } from '../parse.ts';
import { normalizeWhatsappEntries } from './whatsapp.ts';

const envelopeSchema = z.object({ object: z.string(), entry: z.array(z.unknown()) });

const productOf: Readonly<Record<string, (entries: readonly unknown[]) => NormalizedEvent[]>> = {
  whatsapp_business_account: normalizeWhatsappEntries,
  page: (entries) => normalizeMessagingEntries('messenger', entries),
  instagram: (entries) => normalizeMessagingEntries('instagram', entries),
};

const jsonOf = (body: Buffer): unknown => {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw new PermanentError('a Meta webhook body is not JSON', { cause: error });
  }
};

/**
 * Every event of a Meta webhook, dispatched on `object`: one app (one app secret) delivers
 * WhatsApp, Messenger and Instagram alike, to the same URL.
 */
export const normalizeMetaBody = (body: Buffer): NormalizedEvent[] => {
  const envelope = parseAs(envelopeSchema, jsonOf(body), 'a Meta webhook');
  const normalize = Object.hasOwn(productOf, envelope.object) ? productOf[envelope.object] : undefined;
  if (!normalize) throw new PermanentError(`Meta webhooks for object "${envelope.object}" are not supported`);
  return normalize(envelope.entry);
};
