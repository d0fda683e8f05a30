import { describe, expect, it } from 'vitest';
import { PermanentError } from '../../../../functions/core/errors.ts';
import { twilio } from '../../../../functions/providers/twilio/index.ts';
import { endpointUrl } from '../../../helpers/factories.ts';
import {
  accountSid,
  formRequest,
  inboundSmsFields,
  signedTwilioJsonRequest,
  asWebhookRequest,
  statusCallbackFields,
  whatsappInboundFields,
} from '../../../helpers/twilio.ts';

const messageSid = 'SM6fe4c5b1d1a5ee2ef6c7e0b3f6b4b1a0';

const normalizeForm = (fields: Record<string, string>) => twilio.normalize(formRequest(endpointUrl, fields));

describe('twilio.normalize: inbound messages', () => {
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

    expect(event).toMatchObject({
      channel: 'mms',
      contentType: 'media',
      text: '',
      media: [
        { url: 'https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME0', contentType: 'image/jpeg' },
        { url: 'https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1', contentType: 'application/pdf' },
      ],
    });
  });

  it('turns a WhatsApp message into a whatsapp message with plain numbers and the profile in details', () => {
    const [event] = normalizeForm(whatsappInboundFields({ MessageSid: messageSid }));

    expect(event).toEqual({
      kind: 'message',
      channel: 'whatsapp',
      direction: 'inbound',
      providerMessageId: messageSid,
      businessAddress: '+14155238886',
      customerAddress: '+5511987654321',
      from: '+5511987654321',
      to: '+14155238886',
      text: 'Olá! Do you ship to Brazil?',
      media: [],
      contentType: 'text',
      details: { profileName: 'Ana Souza', waId: '5511987654321' },
    });
  });

  it('keeps a WhatsApp quick-reply button: its text as text, its payload in details', () => {
    const fields = whatsappInboundFields({ MessageType: 'button', Body: '', ButtonText: 'Track my order', ButtonPayload: 'track:1042' });

    const [event] = normalizeForm(fields);

    expect(event).toMatchObject({ contentType: 'button', text: 'Track my order', details: { buttonText: 'Track my order', buttonPayload: 'track:1042' } });
  });

  it('renders a shared WhatsApp location as text and keeps its coordinates in details', () => {
    const fields = whatsappInboundFields({
      MessageType: 'location',
      Body: '',
      Latitude: '-23.5617',
      Longitude: '-46.6559',
      Address: 'Av. Paulista, 1578, São Paulo',
      Label: 'MASP',
    });

    const [event] = normalizeForm(fields);

    expect(event).toMatchObject({
      contentType: 'location',
      text: '📍 Location: MASP',
      details: { location: { latitude: -23.5617, longitude: -46.6559, address: 'Av. Paulista, 1578, São Paulo', label: 'MASP' } },
    });
  });

  it('names a location by its coordinates when it has no label or address, and ignores bad coordinates', () => {
    const [plain] = normalizeForm(whatsappInboundFields({ MessageType: 'location', Body: '', Latitude: '52.37', Longitude: '4.89' }));
    const [bad] = normalizeForm(whatsappInboundFields({ Latitude: 'north', Longitude: '4.89' }));

    expect(plain).toMatchObject({ text: '📍 Location: 52.37, 4.89' });
    expect(bad).not.toHaveProperty('details.location');
  });

  it('keeps the message a WhatsApp message replies to', () => {
    const [event] = normalizeForm(whatsappInboundFields({ OriginalRepliedMessageSid: 'SM11112222333344445555666677778888' }));

    expect(event).toMatchObject({ replyTo: 'SM11112222333344445555666677778888' });
  });

  it('keeps an empty body as empty text', () => {
    const [event] = normalizeForm(inboundSmsFields({ MessageSid: messageSid, Body: '' }));

    expect(event).toMatchObject({ text: '' });
  });

  it('keeps a status callback about a received inbound message a message', () => {
    const [event] = normalizeForm(inboundSmsFields({ MessageSid: messageSid, MessageStatus: 'received' }));

    expect(event).toMatchObject({ kind: 'message', providerMessageId: messageSid });
  });

  it('reads a parameter named __proto__ as a parameter', () => {
    const [event] = normalizeForm(inboundSmsFields({ __proto__: 'x', Body: 'hi' }));

    expect(event).toMatchObject({ kind: 'message', text: 'hi' });
  });

  it('refuses a body without a MessageSid as permanent', () => {
    const { MessageSid: _, ...fields } = inboundSmsFields();

    expect(() => normalizeForm(fields)).toThrow(PermanentError);
  });

  it.each(['SM123', 'XX6fe4c5b1d1a5ee2ef6c7e0b3f6b4b1a0', 'SM6fe4c5b1d1a5ee2ef6c7e0b3f6b4b1a0z'])('refuses the malformed MessageSid %s as permanent', (sid) => {
    expect(() => normalizeForm(inboundSmsFields({ MessageSid: sid }))).toThrow(PermanentError);
  });

  it('refuses a form body with a malformed percent-escape as permanent', () => {
    const request = { ...formRequest(endpointUrl, inboundSmsFields()), body: Buffer.from('MessageSid=%ZZ') };

    expect(() => twilio.normalize(request)).toThrow(PermanentError);
  });
});

describe('twilio.normalize: status callbacks', () => {
  it('turns a delivered callback into a delivered status from the business number to the customer', () => {
    const fields = statusCallbackFields({ MessageSid: messageSid, MessageStatus: 'delivered' });

    const events = normalizeForm(fields);

    expect(events).toEqual([
      {
        kind: 'status',
        eventId: `${messageSid}#delivered`,
        channel: 'sms',
        businessAddress: '+15005550006',
        customerAddress: '+14155550100',
        providerMessageIds: [messageSid],
        status: 'delivered',
        providerStatus: 'delivered',
      },
    ]);
  });

  it.each([
    ['accepted', 'queued'],
    ['scheduled', 'queued'],
    ['queued', 'queued'],
    ['sending', 'queued'],
    ['sent', 'sent'],
    ['partially_delivered', 'sent'],
    ['delivered', 'delivered'],
    ['read', 'read'],
    ['undelivered', 'failed'],
    ['failed', 'failed'],
    ['canceled', 'failed'],
  ])('ranks %s as %s and keeps the word', (providerStatus, status) => {
    const [event] = normalizeForm(statusCallbackFields({ MessageStatus: providerStatus }));

    expect(event).toMatchObject({ kind: 'status', status, providerStatus });
  });

  it('keeps the error of a failed message', () => {
    const fields = statusCallbackFields({ MessageStatus: 'undelivered', ErrorCode: '30003', ErrorMessage: 'Unreachable destination handset' });

    const [event] = normalizeForm(fields);

    expect(event).toMatchObject({ status: 'failed', providerStatus: 'undelivered', error: { code: '30003', message: 'Unreachable destination handset' } });
  });

  it('gives every status of one message its own event id', () => {
    const ids = ['sent', 'delivered', 'read'].map((status) => normalizeForm(statusCallbackFields({ MessageSid: messageSid, MessageStatus: status }))[0]);

    expect(ids.map((event) => event && 'eventId' in event && event.eventId)).toEqual([`${messageSid}#sent`, `${messageSid}#delivered`, `${messageSid}#read`]);
  });

  it('reads a WhatsApp read receipt as a whatsapp status between plain numbers', () => {
    const fields = statusCallbackFields({
      MessageStatus: 'read',
      SmsStatus: 'read',
      ChannelPrefix: 'whatsapp',
      EventType: 'READ',
      From: 'whatsapp:+14155238886',
      To: 'whatsapp:+5511987654321',
    });

    const [event] = normalizeForm(fields);

    expect(event).toMatchObject({ kind: 'status', channel: 'whatsapp', status: 'read', businessAddress: '+14155238886', customerAddress: '+5511987654321' });
  });

  it('reads an MMS status as mms by its MM SID', () => {
    const [event] = normalizeForm(statusCallbackFields({ MessageSid: 'MM5f0b7c9a1e2d3c4b5a69788796a5b4c3', MessageStatus: 'sent' }));

    expect(event).toMatchObject({ channel: 'mms' });
  });

  it('uses the Messaging Service as the business address of a callback that names no sender yet', () => {
    const { From: _, ...fields } = statusCallbackFields({ MessageStatus: 'canceled', MessagingServiceSid: 'MG0123456789abcdef0123456789abcdef' });

    const [event] = normalizeForm(fields);

    expect(event).toMatchObject({ kind: 'status', businessAddress: 'MG0123456789abcdef0123456789abcdef', status: 'failed' });
  });

  it('records a status it has no rank for as a notice', () => {
    const [event] = normalizeForm(statusCallbackFields({ MessageSid: messageSid, MessageStatus: 'receiving' }));

    expect(event).toEqual({
      kind: 'notice',
      eventId: `${messageSid}#receiving`,
      name: 'message-status:receiving',
      channel: 'sms',
      details: { messageSid, status: 'receiving' },
    });
  });

  it('names our message by the sb_message parameter of the StatusCallback URL it was called at', () => {
    // Prepare
    const url = `${endpointUrl}?sb_message=msg_0123456789abcdef`;

    // Act
    const [event] = twilio.normalize(formRequest(url, statusCallbackFields({ MessageSid: messageSid, MessageStatus: 'sent' })));

    // Assess
    expect(event).toMatchObject({ kind: 'status', correlationId: 'msg_0123456789abcdef', providerMessageIds: [messageSid], status: 'sent' });
  });

  it('names no message of ours when the URL has no sb_message, or an empty one', () => {
    const fields = statusCallbackFields({ MessageSid: messageSid, MessageStatus: 'sent' });

    const events = [endpointUrl, `${endpointUrl}?sb_message=`].flatMap((url) => twilio.normalize(formRequest(url, fields)));

    expect(events.map((event) => event.kind === 'status' && 'correlationId' in event)).toEqual([false, false]);
  });

  it('takes sb_message from the URL only, never from a body field of that name', () => {
    const fields = statusCallbackFields({ MessageSid: messageSid, MessageStatus: 'sent', sb_message: 'msg_forged' });

    const [event] = normalizeForm(fields);

    expect(event).not.toHaveProperty('correlationId');
  });

  it('refuses a status callback without a MessageSid as permanent', () => {
    const { MessageSid: _, ...fields } = statusCallbackFields();

    expect(() => normalizeForm(fields)).toThrow(PermanentError);
  });
});

describe('twilio.normalize: JSON bodies', () => {
  const json = (body: string) => {
    const signed = signedTwilioJsonRequest(endpointUrl, 'token-a', body);
    return asWebhookRequest(signed.url, signed);
  };

  it('reads the parameters of a JSON body as those of a form', () => {
    const body = JSON.stringify({ ...statusCallbackFields({ MessageSid: messageSid, MessageStatus: 'failed' }), ErrorCode: 30008 });

    const events = twilio.normalize(json(body));

    expect(events).toMatchObject([{ kind: 'status', eventId: `${messageSid}#failed`, status: 'failed', error: { code: '30008' } }]);
  });

  it.each([
    ['not JSON', 'MessageSid=SM1'],
    ['a JSON array', '[]'],
    ['JSON null', 'null'],
  ])('refuses a body that is %s as permanent', (_, body) => {
    expect(() => twilio.normalize(json(body))).toThrow(PermanentError);
  });

  it('reads the body as a form when the URL has no bodySHA256, whatever the Content-Type says', () => {
    const request = { ...formRequest(endpointUrl, inboundSmsFields({ AccountSid: accountSid })), headers: { 'content-type': 'application/json' } };

    expect(twilio.normalize(request)).toMatchObject([{ kind: 'message' }]);
  });
});
