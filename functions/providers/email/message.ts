import { createHash } from 'node:crypto';
import { oneLine, trimmedReferences } from '../../core/email-reply.ts';
import { PermanentError } from '../../core/errors.ts';
import type { MediaItem, NormalizedMessage } from '../../core/message.ts';
import { firstAddressIn } from './addresses.ts';
import { isoDateOf } from './dates.ts';
import { decodeEncodedWords } from './encoded-words.ts';
import { headerValue, type HeaderList } from './headers.ts';
import { htmlToText } from './html-text.ts';
import { messageIdsIn } from './reply.ts';

/** An inbound mail as a provider posted it, before it is a NormalizedMessage. */
export interface InboundEmail {
  readonly headers: HeaderList;
  /** Where to find the receiving inbox, best first: the envelope recipient, then the To header. */
  readonly recipients: readonly (string | undefined)[];
  /** Where to find the sender, best first: the From header, then the envelope sender. */
  readonly senders: readonly (string | undefined)[];
  /** The decoded subject, when the provider posts it; else the Subject header is used. */
  readonly subject?: string;
  readonly text?: string;
  readonly html?: string;
  readonly media: readonly MediaItem[];
  /**
   * Bytes that are the same on every delivery of this mail, hashed into its id when it has no
   * Message-Id: a retry must produce the same id.
   */
  readonly fingerprint: readonly Uint8Array[];
}

/** The first msg-id in a Message-Id or In-Reply-To header, without its angle brackets. */
export const messageIdIn = (value: string | undefined): string | undefined => {
  const bracketed = value === undefined ? undefined : /<([^<>]+)>/.exec(value)?.[1];
  const id = (bracketed ?? value ?? '').trim();
  return id === '' ? undefined : id;
};

const digestOf = (parts: readonly Uint8Array[]): string => {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return `sha256:${hash.digest('hex')}`;
};

/** One inbound email as the message an agent reads, between the receiving inbox and the sender. */
export const inboundEmailMessage = (email: InboundEmail): NormalizedMessage => {
  const businessAddress = firstAddressIn(email.recipients);
  if (!businessAddress) throw new PermanentError('the email names no recipient address');
  const customerAddress = firstAddressIn(email.senders);
  if (!customerAddress) throw new PermanentError('the email names no sender address');
  const subject = oneLine(email.subject ?? decodeEncodedWords(headerValue(email.headers, 'subject') ?? ''));
  const replyTo = messageIdIn(headerValue(email.headers, 'in-reply-to'));
  // Kept so that a reply's References can continue the thread (core/email-reply.ts).
  const references = trimmedReferences(messageIdsIn(headerValue(email.headers, 'references')));
  const providerTimestamp = isoDateOf(headerValue(email.headers, 'date'));
  return {
    kind: 'message',
    channel: 'email',
    direction: 'inbound',
    providerMessageId: messageIdIn(headerValue(email.headers, 'message-id')) ?? digestOf(email.fingerprint),
    businessAddress,
    customerAddress,
    from: customerAddress,
    to: businessAddress,
    text: email.text ?? (email.html === undefined ? '' : htmlToText(email.html)),
    media: email.media,
    contentType: 'email',
    subject,
    ...(replyTo !== undefined && { replyTo }),
    ...(references.length > 0 && { details: { references } }),
    ...(providerTimestamp !== undefined && { providerTimestamp }),
  };
};
