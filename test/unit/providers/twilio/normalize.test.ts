import { describe, expect, it } from 'vitest';
import { PermanentError } from '../../../../functions/core/errors.ts';
import type { NormalizedMessage } from '../../../../functions/core/message.ts';
import { twilio } from '../../../../functions/providers/twilio/index.ts';
import { endpointUrl } from '../../../helpers/factories.ts';
import { accountSid, inboundSmsFields } from '../../../helpers/twilio.ts';

const messageSid = 'SM6fe4c5b1d1a5ee2ef6c7e0b3f6b4b1a0';

const normalizeForm = (fields: Record<string, string>) =>
  twilio.normalize({
    url: endpointUrl,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: Buffer.from(new URLSearchParams(fields).toString()),
  }).filter((event): event is NormalizedMessage => event.kind === 'message');

describe('twilio.normalize', () => {
  it('turns an inbound SMS into one sms message between the two numbers', () => {
    // Prepare
    const fields = inboundSmsFields({ MessageSid: messageSid, From: '+14155550100', To: '+15005550006', Body: 'Is my order ready?' });

    // Act
    const events = normalizeForm(fields);

    // Assess
    expect(events).toEqual([
      {
        kind: 'message',
        channel: 'sms',
        direction: 'inbound',
        providerMessageId: messageSid,
        businessAddress: '+15005550006',
        customerAddress: '+14155550100',
        from: '+14155550100',
        to: '+15005550006',
        text: 'Is my order ready?',
        media: [],
        contentType: 'text',
      },
    ]);
  });

  it('turns a message with two media into an mms message with both, in order', () => {
    const fields = inboundSmsFields({
      MessageSid: 'MM6fe4c5b1d1a5ee2ef6c7e0b3f6b4b1a0',
      NumMedia: '2',
      MediaUrl0: 'https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME0',
      MediaContentType0: 'image/jpeg',
      MediaUrl1: 'https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1',
      MediaContentType1: 'application/pdf',
      Body: '',
    });

    const [event] = normalizeForm(fields);

    expect(event?.channel).toBe('mms');
    expect(event?.media).toEqual([
      { url: 'https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME0', contentType: 'image/jpeg' },
      { url: 'https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1', contentType: 'application/pdf' },
    ]);
  });

  it('turns a WhatsApp message into a whatsapp message with plain numbers as addresses', () => {
    const fields = inboundSmsFields({ MessageSid: messageSid, From: 'whatsapp:+14155550100', To: 'whatsapp:+14155238886' });

    const [event] = normalizeForm(fields);

    expect(event).toMatchObject({
      channel: 'whatsapp',
      from: '+14155550100',
      to: '+14155238886',
      customerAddress: '+14155550100',
      businessAddress: '+14155238886',
    });
  });

  it('keeps an empty body as empty text', () => {
    const [event] = normalizeForm(inboundSmsFields({ MessageSid: messageSid, Body: '' }));

    expect(event?.text).toBe('');
  });

  it('refuses a status callback as permanent', () => {
    // What Twilio posts to a status callback URL: no SmsStatus=received.
    const fields = {
      SmsSid: messageSid,
      SmsStatus: 'delivered',
      MessageStatus: 'delivered',
      To: '+14155550100',
      MessageSid: messageSid,
      AccountSid: accountSid,
      From: '+15005550006',
      ApiVersion: '2010-04-01',
    };

    expect(() => normalizeForm(fields)).toThrow(PermanentError);
    expect(() => normalizeForm(fields)).toThrow(/status callback/);
  });

  it('refuses a body without a MessageSid as permanent', () => {
    const { MessageSid: _, ...fields } = inboundSmsFields();

    expect(() => normalizeForm(fields)).toThrow(PermanentError);
  });

  it.each(['SM123', 'XX6fe4c5b1d1a5ee2ef6c7e0b3f6b4b1a0', 'SM6fe4c5b1d1a5ee2ef6c7e0b3f6b4b1a0z'])(
    'refuses the malformed MessageSid %s as permanent',
    (sid) => {
      expect(() => normalizeForm(inboundSmsFields({ MessageSid: sid }))).toThrow(PermanentError);
    },
  );
});
