import type { StoredMessage } from './items.ts';

/**
 * How an email reply threads in the customer's mail client, decided when the reply is accepted
 * from the conversation's latest message: the subject with one `Re: `, `In-Reply-To` naming the
 * mail it answers, and `References` naming the thread so far (RFC 5322 §3.6.4). Message ids are
 * kept without their angle brackets, as inbound mail stores them (providers/email/message.ts).
 */

/** What a sent email carries besides its text: its subject, its HTML part, and where it sits in a thread. */
export interface EmailParts {
  readonly subject: string;
  readonly html?: string;
  /** The Message-ID of the mail this one answers. */
  readonly inReplyTo?: string;
  /** The thread's Message-IDs, oldest first, ending with `inReplyTo`. */
  readonly references?: readonly string[];
}

/**
 * How many ids a References field keeps: the thread's first and its latest. RFC 5322 sets no
 * limit, but each id adds to every later mail of the thread; clients thread by the first (the
 * root) and the last ones, so trimming the middle changes nothing a reader sees.
 */
export const maxReferences = 20;

/**
 * A header value on one line: a line break in a customer's subject would otherwise add headers
 * (a Bcc) to the reply an agent sends.
 */
export const oneLine = (value: string): string => value.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();

/**
 * One mailbox (local@domain), nothing around it: a recipient written as a list, or with a line
 * break, would send the reply to whoever the customer's From header named.
 */
export const isOneMailbox = (address: string): boolean => /^[^\s@,;:<>"()[\]\\]+@[^\s@,;:<>"()[\]\\]+\.[^\s@,;:<>"()[\]\\]+$/.test(address);

/** `Re: ` once: a subject that already starts with it (any case, RFC 5322 §3.6.5) is kept as it is. */
export const replySubject = (subject: string): string => {
  const line = oneLine(subject);
  return /^re\s*:/i.test(line) ? line : `Re: ${line}`.trimEnd();
};

/** A Message-ID longer than this is no real one (RFC 5322 lines stop at 998): it is left out rather than carried. */
const maxMessageIdLength = 250;

/** A thread's first mail and its latest ones, as RFC 5322 §3.6.4 suggests trimming: a stored or sent chain stays small. */
export const trimmedReferences = (ids: readonly string[]): readonly string[] => {
  const sane = ids.filter((id) => id.length <= maxMessageIdLength);
  return sane.length <= maxReferences ? sane : [sane[0] as string, ...sane.slice(sane.length - (maxReferences - 1))];
};

/**
 * The threading of a reply to `parent`: its References, or else its In-Reply-To when that names
 * one mail (RFC 5322 §3.6.4), followed by its own Message-ID.
 */
export const replyThreading = (parent: { readonly messageId: string; readonly references?: readonly string[]; readonly inReplyTo?: string }): Pick<EmailParts, 'inReplyTo' | 'references'> => {
  const earlier = parent.references && parent.references.length > 0 ? parent.references : parent.inReplyTo !== undefined ? [parent.inReplyTo] : [];
  return { inReplyTo: parent.messageId, references: trimmedReferences([...earlier.filter((id) => id !== parent.messageId), parent.messageId]) };
};

const stringsIn = (value: unknown): string[] | undefined => (Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : undefined);

/** The References an inbound email kept (in `details.references`), or the threading an earlier reply was sent with. */
const referencesOf = (message: Pick<StoredMessage, 'details'>): string[] | undefined => stringsIn(message.details?.references);

/** A stored message's own Message-ID, when it has one: an inbound mail's provider id, unless the mail had none and it is a digest. */
const messageIdOf = (message: Pick<StoredMessage, 'direction' | 'providerMessageId'>): string | undefined =>
  message.direction === 'inbound' && !message.providerMessageId.startsWith('sha256:') ? message.providerMessageId : undefined;

/**
 * The subject and threading of a reply in a conversation whose latest message is `latest`: a
 * reply to the customer's latest mail, or, when the latest message is an earlier reply, the same
 * subject and threading that reply had (it answers the same mail). Undefined when the latest
 * message is not an email (the conversation has none to answer).
 */
export const replyPartsAfter = (latest: Pick<StoredMessage, 'channel' | 'direction' | 'providerMessageId' | 'subject' | 'replyTo' | 'details'>): Pick<EmailParts, 'subject' | 'inReplyTo' | 'references'> | undefined => {
  if (latest.channel !== 'email') return undefined;
  const subject = latest.subject ?? '';
  if (latest.direction === 'outbound') {
    const references = referencesOf(latest);
    return { subject, ...(latest.replyTo !== undefined && { inReplyTo: latest.replyTo }), ...(references && { references }) };
  }
  const messageId = messageIdOf(latest);
  const references = referencesOf(latest);
  return {
    subject: replySubject(subject),
    ...(messageId !== undefined && replyThreading({ messageId, ...(references && { references }), ...(latest.replyTo !== undefined && { inReplyTo: latest.replyTo }) })),
  };
};

/** The email parts a stored outbound message was accepted with (accept.ts keeps them in `subject`, `replyTo` and `details`). */
export const emailPartsOf = (message: Pick<StoredMessage, 'subject' | 'replyTo' | 'details'>): EmailParts => {
  const html = message.details?.html;
  const references = referencesOf(message);
  return {
    subject: message.subject ?? '',
    ...(typeof html === 'string' && { html }),
    ...(message.replyTo !== undefined && { inReplyTo: message.replyTo }),
    ...(references && references.length > 0 && { references }),
  };
};

/** How accept.ts keeps a reply's email parts on the outbound message: where inbound mail keeps the same facts. */
export const storedEmailParts = (parts: EmailParts): Pick<StoredMessage, 'subject' | 'replyTo' | 'details'> => ({
  subject: parts.subject,
  ...(parts.inReplyTo !== undefined && { replyTo: parts.inReplyTo }),
  ...((parts.html !== undefined || parts.references !== undefined) && {
    details: { ...(parts.html !== undefined && { html: parts.html }), ...(parts.references !== undefined && { references: parts.references }) },
  }),
});
