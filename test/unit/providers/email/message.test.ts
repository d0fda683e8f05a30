import { describe, expect, it } from 'vitest';
import { PermanentError } from '../../../../functions/core/errors.ts';
import { parseHeaderBlock } from '../../../../functions/providers/email/headers.ts';
import { inboundEmailMessage, messageIdIn, type InboundEmail } from '../../../../functions/providers/email/message.ts';

const anEmail = (overrides: Partial<InboundEmail> = {}): InboundEmail => ({
  headers: parseHeaderBlock(
    [
      'From: "Ana Ruiz" <Ana.Ruiz@Example.net>',
      'Date: Wed, 11 Oct 2017 18:31:04 -0700 (PDT)',
      'Message-ID: <CAEPk3R+4Zr@mail.example.org>',
      'In-Reply-To: <20261120.1.C0FFEE@mg.example.com> <older@mg.example.com>',
      'Subject: =?utf-8?q?D=C3=B3nde_est=C3=A1_mi_pedido?=',
    ].join('\r\n'),
  ),
  recipients: ['Support@Inbound.example.com'],
  senders: ['"Ana Ruiz" <Ana.Ruiz@Example.net>'],
  text: 'Hello',
  media: [],
  fingerprint: [Buffer.from('the raw mail')],
  ...overrides,
});

describe('inboundEmailMessage', () => {
  it('is an inbound email message from the sender to the receiving inbox, addresses lower-cased', () => {
    // Act
    const message = inboundEmailMessage(anEmail());

    // Assess
    expect(message).toEqual({
      kind: 'message',
      channel: 'email',
      direction: 'inbound',
      providerMessageId: 'CAEPk3R+4Zr@mail.example.org',
      businessAddress: 'support@inbound.example.com',
      customerAddress: 'ana.ruiz@example.net',
      from: 'ana.ruiz@example.net',
      to: 'support@inbound.example.com',
      text: 'Hello',
      media: [],
      contentType: 'email',
      subject: 'Dónde está mi pedido',
      replyTo: '20261120.1.C0FFEE@mg.example.com',
      providerTimestamp: '2017-10-12T01:31:04.000Z',
    });
  });

  it('prefers the subject the provider decoded to the Subject header', () => {
    expect(inboundEmailMessage(anEmail({ subject: 'Decoded by the provider' })).subject).toBe('Decoded by the provider');
  });

  it('renders the html as text when there is no text part', () => {
    const { text: _, ...withoutText } = anEmail();

    expect(inboundEmailMessage({ ...withoutText, html: '<p>Only <b>HTML</b></p>' }).text).toBe('Only HTML');
  });

  it('identifies a mail without Message-Id by a hash of its fingerprint, the same on every delivery', () => {
    const headers = parseHeaderBlock('From: ana@example.net');

    const first = inboundEmailMessage(anEmail({ headers, fingerprint: [Buffer.from('same mail')] }));
    const retry = inboundEmailMessage(anEmail({ headers, fingerprint: [Buffer.from('same'), Buffer.from(' mail')] }));
    const other = inboundEmailMessage(anEmail({ headers, fingerprint: [Buffer.from('another mail')] }));

    expect(first.providerMessageId).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(retry.providerMessageId).toBe(first.providerMessageId);
    expect(other.providerMessageId).not.toBe(first.providerMessageId);
  });

  it('leaves out the timestamp when the Date header does not parse', () => {
    const message = inboundEmailMessage(anEmail({ headers: parseHeaderBlock('Date: sometime last week\r\nMessage-ID: <a@b>') }));

    expect(message.providerTimestamp).toBeUndefined();
  });

  it('falls back to the next recipient and sender sources', () => {
    const message = inboundEmailMessage(anEmail({ recipients: [undefined, 'Support <desk@example.com>'], senders: ['Nobody', 'bounce@example.net'] }));

    expect(message).toMatchObject({ businessAddress: 'desk@example.com', customerAddress: 'bounce@example.net' });
  });

  it.each([
    ['recipient', { recipients: [undefined, 'undisclosed-recipients:;'] }],
    ['sender', { senders: [undefined, ''] }],
  ])('refuses a mail without a %s as permanent', (_, overrides) => {
    expect(() => inboundEmailMessage(anEmail(overrides))).toThrow(PermanentError);
  });
});

describe('messageIdIn', () => {
  it.each([
    ['<CAEPk3R+4Zr@mail.example.org>', 'CAEPk3R+4Zr@mail.example.org'],
    ['  20180812211713.1.DF5966851B4BAA99@example.org ', '20180812211713.1.DF5966851B4BAA99@example.org'],
    ['<a@b> <c@d>', 'a@b'],
    ['', undefined],
    [undefined, undefined],
  ])('reads %j as %j', (value, id) => {
    expect(messageIdIn(value)).toBe(id);
  });
});
