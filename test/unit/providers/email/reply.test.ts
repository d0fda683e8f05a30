import { describe, expect, it } from 'vitest';
import { emailPartsOf, isOneMailbox, maxReferences, replyPartsAfter, replySubject, replyThreading, storedEmailParts } from '../../../../functions/core/email-reply.ts';
import { inboundEmailMessage } from '../../../../functions/providers/email/message.ts';
import { messageIdsIn, threadingHeaders } from '../../../../functions/providers/email/reply.ts';

describe('replySubject', () => {
  it.each([
    ['Where is order #1042?', 'Re: Where is order #1042?'],
    ['Re: Where is order #1042?', 'Re: Where is order #1042?'],
    ['RE: shouting', 'RE: shouting'],
    ['re : spaced', 're : spaced'],
    ['Regarding the invoice', 'Re: Regarding the invoice'],
  ])('%j → %j (one Re:, never doubled)', (subject, expected) => {
    // Act / Assess
    expect(replySubject(subject)).toBe(expected);
  });
});

describe('replyThreading (RFC 5322 §3.6.4)', () => {
  it("continues the parent's References with its Message-ID", () => {
    // Act
    const threading = replyThreading({ messageId: 'c@x', references: ['a@x', 'b@x'], inReplyTo: 'b@x' });

    // Assess
    expect(threading).toEqual({ inReplyTo: 'c@x', references: ['a@x', 'b@x', 'c@x'] });
  });

  it("falls back to the parent's In-Reply-To when it has no References, then to its Message-ID alone", () => {
    // Act / Assess
    expect(replyThreading({ messageId: 'b@x', inReplyTo: 'a@x' })).toEqual({ inReplyTo: 'b@x', references: ['a@x', 'b@x'] });
    expect(replyThreading({ messageId: 'a@x' })).toEqual({ inReplyTo: 'a@x', references: ['a@x'] });
  });

  it('keeps the root and the latest ids of a long thread', () => {
    // Prepare
    const references = Array.from({ length: 30 }, (_, index) => `m${index}@x`);

    // Act
    const threading = replyThreading({ messageId: 'last@x', references });

    // Assess
    expect(threading.references).toHaveLength(maxReferences);
    expect(threading.references?.[0]).toBe('m0@x');
    expect(threading.references?.at(-1)).toBe('last@x');
    expect(threading.references?.at(-2)).toBe('m29@x');
  });
});

describe('what a customer’s mail cannot make a reply do', () => {
  const hostile = inboundEmailMessage({
    headers: [
      ['message-id', '<h@mail.example.net>'],
      ['references', Array.from({ length: 500 }, (_, index) => `<${index}${index === 3 ? 'x'.repeat(900) : ''}@chain.example>`).join(' ')],
    ],
    subject: 'Hello\r\nBcc: victim@evil.example\r\nX-Injected: yes',
    recipients: ['support@example.com'],
    senders: ['mallory@evil.example'],
    text: 'hi',
    media: [],
    fingerprint: [],
  });

  it('keeps its subject on one line, so a reply adds no header', () => {
    // Assess
    expect(hostile.subject).toBe('Hello Bcc: victim@evil.example X-Injected: yes');
    expect(replySubject('Hello\r\nBcc: victim@evil.example')).toBe('Re: Hello Bcc: victim@evil.example');
  });

  it('keeps a chain of References to its first and latest ids, none of them oversized', () => {
    // Assess
    const references = hostile.details?.references as string[];
    expect(references).toHaveLength(maxReferences);
    expect(references[0]).toBe('0@chain.example');
    expect(references.at(-1)).toBe('499@chain.example');
    expect(references.every((id) => id.length <= 250)).toBe(true);
  });

  it('takes one mailbox as a recipient, never a list or a header', () => {
    // Assess
    expect(isOneMailbox('ana.ruiz@example.net')).toBe(true);
    expect(isOneMailbox('multi1@x.example, victim@y.example')).toBe(false);
    expect(isOneMailbox('a@x.example\r\nBcc: b@y.example')).toBe(false);
    expect(isOneMailbox('Mallory <m@x.example>')).toBe(false);
    expect(isOneMailbox('not-an-address')).toBe(false);
  });
});

describe('an inbound mail, then its reply', () => {
  const inbound = inboundEmailMessage({
    headers: [
      ['message-id', '<c@mail.example.net>'],
      ['in-reply-to', '<b@mail.example.com>'],
      ['references', '<a@mail.example.net>\r\n <b@mail.example.com>'],
      ['subject', 'Order #1042'],
    ],
    recipients: ['support@example.com'],
    senders: ['ana.ruiz@example.net'],
    text: 'Still waiting',
    media: [],
    fingerprint: [],
  });

  it('keeps the References of the inbound mail in details', () => {
    // Assess
    expect(inbound.details).toEqual({ references: ['a@mail.example.net', 'b@mail.example.com'] });
  });

  it('answers it with Re:, In-Reply-To its Message-ID and References continuing the thread', () => {
    // Act
    const parts = replyPartsAfter({ ...inbound, direction: 'inbound' });

    // Assess
    expect(parts).toEqual({ subject: 'Re: Order #1042', inReplyTo: 'c@mail.example.net', references: ['a@mail.example.net', 'b@mail.example.com', 'c@mail.example.net'] });
  });

  it('answers an earlier reply with the same subject and threading, and keeps them where the sender reads them', () => {
    // Prepare
    const first = { subject: 'Re: Order #1042', html: '<p>Soon</p>', inReplyTo: 'c@mail.example.net', references: ['a@mail.example.net', 'c@mail.example.net'] };
    const stored = { channel: 'email' as const, direction: 'outbound' as const, providerMessageId: 'msg_x', ...storedEmailParts(first) };

    // Act
    const next = replyPartsAfter(stored);

    // Assess
    expect(next).toEqual({ subject: 'Re: Order #1042', inReplyTo: 'c@mail.example.net', references: ['a@mail.example.net', 'c@mail.example.net'] });
    expect(emailPartsOf(stored)).toEqual(first);
  });

  it('threads nothing after a mail that had no Message-ID, and nothing on another channel', () => {
    // Act / Assess
    expect(replyPartsAfter({ channel: 'email', direction: 'inbound', providerMessageId: 'sha256:abc', subject: 'Hi' })).toEqual({ subject: 'Re: Hi' });
    expect(replyPartsAfter({ channel: 'sms', direction: 'inbound', providerMessageId: 'SM1' })).toBeUndefined();
  });
});

describe('threading headers', () => {
  it('reads every msg-id of a References header, and writes them back in angle brackets', () => {
    // Act
    const ids = messageIdsIn('<a@x> <b@y>\t<c@z>');

    // Assess
    expect(ids).toEqual(['a@x', 'b@y', 'c@z']);
    expect(threadingHeaders({ inReplyTo: 'c@z', references: ids })).toEqual({ 'In-Reply-To': '<c@z>', References: '<a@x> <b@y> <c@z>' });
    expect(threadingHeaders({})).toEqual({});
  });
});
