import type { EmailParts } from '../../core/email-reply.ts';

/**
 * The threading headers of a mail, both ways: read from an inbound mail's References, and
 * written on a reply as `In-Reply-To` and `References` (RFC 5322 §3.6.4: msg-ids in angle
 * brackets, References separated by whitespace).
 */

/** Every msg-id a References (or In-Reply-To) header names, in order, without angle brackets. */
export const messageIdsIn = (value: string | undefined): string[] =>
  [...(value ?? '').matchAll(/<([^<>\s]+)>/g)].flatMap(([, id]) => (id === undefined ? [] : [id]));

const bracketed = (id: string): string => `<${id}>`;

/** The headers that thread a reply, or none for a mail that answers nothing. */
export const threadingHeaders = ({ inReplyTo, references }: Pick<EmailParts, 'inReplyTo' | 'references'>): Record<string, string> => ({
  ...(inReplyTo !== undefined && { 'In-Reply-To': bracketed(inReplyTo) }),
  ...(references !== undefined && references.length > 0 && { References: references.map(bracketed).join(' ') }),
});
