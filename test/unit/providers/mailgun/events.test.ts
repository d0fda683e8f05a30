import { describe, expect, it } from 'vitest';
import { PermanentError } from '../../../../functions/core/errors.ts';
import { mailgun } from '../../../../functions/providers/mailgun/index.ts';

const url = 'https://hooks.example.com/webhooks/mailgun/ep_0123456789abcdefghijklmnopq';
const signature = { timestamp: '1534108637', token: '651869375b9df3c98fc15c4889b102119add1235c38fc92824', signature: '0'.repeat(64) };

const normalizeEvent = (eventData: unknown) =>
  mailgun.normalize({ url, headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify({ signature, 'event-data': eventData })) });

// django-anymail tests/test_mailgun_webhooks.py (test_delivered_event): "an actual, complete
// (sanitized) delivered event as received from Mailgun".
const delivered = {
  tags: [],
  timestamp: 1534108637.153125,
  storage: { url: 'https://sw.api.mailgun.net/v3/domains/example.org/messages/eyJwI...', key: 'eyJwI...' },
  'recipient-domain': 'example.com',
  id: 'hTWCTD81RtiDN-...',
  campaigns: [],
  'user-variables': {},
  flags: { 'is-routed': false, 'is-authenticated': true, 'is-system-test': false, 'is-test-mode': false },
  'log-level': 'info',
  envelope: { 'sending-ip': '333.123.123.200', sender: 'test@example.org', transport: 'smtp', targets: 'recipient@example.com' },
  message: {
    headers: { to: 'recipient@example.com', 'message-id': '20180812211713.1.DF5966851B4BAA99@example.org', from: 'test@example.org', subject: 'Testing' },
    attachments: [],
    size: 809,
  },
  recipient: 'recipient@example.com',
  event: 'delivered',
  'delivery-status': {
    tls: true,
    'mx-host': 'smtp-in.example.com',
    'attempt-no': 1,
    description: '',
    'session-seconds': 3.5700838565826416,
    utf8: true,
    code: 250,
    message: 'OK',
    'certificate-verified': true,
  },
};

describe('mailgun.normalize: event webhook', () => {
  it('turns a delivered event into a delivered status of the message it names', () => {
    // Act
    const events = normalizeEvent(delivered);

    // Assess
    expect(events).toEqual([
      {
        kind: 'status',
        channel: 'email',
        eventId: 'hTWCTD81RtiDN-...',
        businessAddress: 'test@example.org',
        customerAddress: 'recipient@example.com',
        providerMessageIds: ['20180812211713.1.DF5966851B4BAA99@example.org'],
        status: 'delivered',
        providerStatus: 'delivered',
        providerTimestamp: '2018-08-12T21:17:17.153Z',
      },
    ]);
  });

  it('turns a permanent failure into a failed status with the SMTP code and reply', () => {
    // django-anymail tests/test_mailgun_webhooks.py (test_failed_permanent_event)
    const events = normalizeEvent({
      event: 'failed',
      id: 'permanent-1',
      severity: 'permanent',
      reason: 'bounce',
      recipient: 'invalid@example.com',
      timestamp: 1534110422.389832,
      'log-level': 'error',
      message: { headers: { to: 'invalid@example.com', 'message-id': '20180812214658.1.0DF563D0B3597700@example.org', from: 'Test Sender ' } },
      'delivery-status': {
        tls: true,
        'mx-host': 'aspmx.l.example.org',
        'attempt-no': 1,
        description: '',
        'session-seconds': 2.952177047729492,
        utf8: true,
        code: 550,
        message: "5.1.1 The email account that you tried to reach does not exist. Please try\n5.1.1 double-checking the recipient's email address for typos",
        'certificate-verified': true,
      },
    });

    expect(events).toEqual([
      expect.objectContaining({
        status: 'failed',
        providerStatus: 'failed:permanent',
        customerAddress: 'invalid@example.com',
        // "Test Sender " names no address, so the receipt cannot say which address sent it.
        businessAddress: 'mailgun',
        error: {
          code: '550',
          message: "5.1.1 The email account that you tried to reach does not exist. Please try\n5.1.1 double-checking the recipient's email address for typos",
        },
      }),
    ]);
  });

  it('keeps a message with a temporary failure queued: Mailgun retries it', () => {
    // django-anymail tests/test_mailgun_webhooks.py (test_failed_temporary_event)
    const events = normalizeEvent({
      event: 'failed',
      id: 'temporary-1',
      severity: 'temporary',
      reason: 'generic',
      timestamp: 1534111899.659519,
      message: { headers: { to: 'undeliverable@nomx.example.com', 'message-id': '20180812214638.1.4A7D468E9BC18C5D@example.org', from: 'Test Sender ' } },
      recipient: 'undeliverable@nomx.example.com',
      'delivery-status': { 'attempt-no': 3, description: 'No MX for nomx.example.com', 'session-seconds': 0.0, 'retry-seconds': 1800, code: 498, message: 'No MX for nomx.example.com' },
    });

    expect(events).toEqual([
      expect.objectContaining({ status: 'queued', providerStatus: 'failed:temporary', error: { code: '498', message: 'No MX for nomx.example.com' } }),
    ]);
  });

  it("turns the documentation's accepted event into a queued status from the sending address", () => {
    // https://documentation.mailgun.com/docs/mailgun/user-manual/webhooks/webhook-payloads (Accepted Event)
    const events = normalizeEvent({
      account: { id: '1234567890303a4bd1f33898' },
      'api-key-id': '12345678-87654321',
      domain: { name: 'sample.mailgun.com' },
      envelope: { sender: 'sender@sample.mailgun.com', targets: 'recipient@sample.mailgun.com', transport: 'smtp' },
      event: 'accepted',
      flags: { 'is-authenticated': true, 'is-test-mode': false },
      id: 'CCXMjJ7nQi2N3BPigGOdgQ',
      'log-level': 'info',
      message: {
        headers: {
          from: 'Sample Sender <sender@sample.mailgun.com>',
          'message-id': '20260203192638.000be97f99f8cea1@sample.mailgun.com',
          subject: 'Sample webhook payload',
          to: 'recipient@sample.mailgun.com',
        },
        size: 341,
      },
      method: 'HTTP',
      recipient: 'recipient@sample.mailgun.com',
      'recipient-domain': 'sample.mailgun.com',
      tags: ['webhook_payload'],
      timestamp: 1770146798.372891,
      'user-variables': [],
    });

    expect(events).toEqual([
      expect.objectContaining({
        eventId: 'CCXMjJ7nQi2N3BPigGOdgQ',
        status: 'queued',
        businessAddress: 'sender@sample.mailgun.com',
        customerAddress: 'recipient@sample.mailgun.com',
        providerMessageIds: ['20260203192638.000be97f99f8cea1@sample.mailgun.com'],
      }),
    ]);
  });

  it('turns an opened event into a read status', () => {
    expect(normalizeEvent({ ...delivered, event: 'opened', id: 'opened-1' })).toEqual([expect.objectContaining({ status: 'read', eventId: 'opened-1' })]);
  });

  it('strips angle brackets from a message-id that has them', () => {
    const message = { headers: { ...delivered.message.headers, 'message-id': '<20180812211713.1.DF5966851B4BAA99@example.org>' } };

    expect(normalizeEvent({ ...delivered, message })).toEqual([expect.objectContaining({ providerMessageIds: ['20180812211713.1.DF5966851B4BAA99@example.org'] })]);
  });

  it.each(['clicked', 'unsubscribed', 'complained', 'stored'])('records %s as a notice carrying the event data', (name) => {
    const eventData = { ...delivered, event: name, id: `${name}-1`, url: 'https://example.com/test' };

    expect(normalizeEvent(eventData)).toEqual([
      { kind: 'notice', eventId: `${name}-1`, name, channel: 'email', businessAddress: 'test@example.org', providerTimestamp: '2018-08-12T21:17:17.153Z', details: eventData },
    ]);
  });

  it.each([
    ['a body that is not JSON', 'not json'],
    ['JSON without event-data', JSON.stringify({ signature })],
    ['event-data without an id', JSON.stringify({ signature, 'event-data': { ...delivered, id: undefined } })],
    ['event-data without a recipient', JSON.stringify({ signature, 'event-data': { ...delivered, recipient: undefined } })],
  ])('refuses %s as permanent', (_, body) => {
    expect(() => mailgun.normalize({ url, headers: { 'content-type': 'application/json' }, body: Buffer.from(body) })).toThrow(PermanentError);
  });
});
