import { describe, expect, it } from 'vitest';
import { conversationIdFor, messageIdFor, type ConversationKey } from '../../../functions/core/ids.ts';
import type { QuarantineRecord, StoredEvent, StoredMessage } from '../../../functions/core/items.ts';
import { loadProvider } from '../../../functions/providers/registry.ts';
import { maxQuarantinedRawBytes } from '../../../functions/core/items.ts';
import { maxStoredTextBytes } from '../../../functions/core/process.ts';
import { archiveKeyFor, handleQueuedRequest, type QueuedRequestDependencies } from '../../../functions/core/queued-request.ts';
import { accountSid, inboundSmsFields } from '../../helpers/twilio.ts';
import { aTwilioEnvelope, endpointId } from '../../helpers/factories.ts';
import { aBulkWhatsappEnvelope } from '../../helpers/meta-bulk.ts';
import { maxEventsPerRecord } from '../../../functions/core/request-parts.ts';

const processedAt = new Date('2026-11-22T12:00:05.000Z');
const messageSid = 'SM6fe4c5b1d1a5ee2ef6c7e0b3f6b4b1a0';

/** In-memory dependencies that record what was stored and quarantined. */
const fakeDependencies = (overrides: Partial<QueuedRequestDependencies> = {}) => {
  const saved: { message: StoredMessage; key: ConversationKey }[] = [];
  const quarantined: QuarantineRecord[] = [];
  const archived = new Map<string, string>();
  const deps: QueuedRequestDependencies = {
    loadProvider,
    saveMessage: async (message, key) => {
      saved.push({ message, key });
      return 'stored';
    },
    saveEvent: async () => 'recorded',
    applyPending: async () => [],
    archive: async (key, envelope) => void archived.set(key, envelope),
    fetchBody: async () => Promise.reject(new Error('no body store in these tests')),
    quarantine: async (record) => {
      quarantined.push(record);
    },
    now: () => processedAt,
    ...overrides,
  };
  return { deps, saved, quarantined, archived };
};

describe('handleQueuedRequest', () => {
  it('stores an inbound SMS once, in the conversation of its tenant, business number and customer', async () => {
    // Prepare
    const { deps, saved, quarantined, archived } = fakeDependencies();
    const envelope = aTwilioEnvelope(inboundSmsFields({ MessageSid: messageSid, From: '+14155550100', To: '+15005550006', Body: 'Hi' }));

    // Act
    const outcome = await handleQueuedRequest(JSON.stringify(envelope), 'record-1', deps);

    // Assess
    // The envelope too, which the processor counts the request under.
    expect(outcome).toEqual({ stored: [{ kind: 'message', outcome: 'stored', message: saved[0]?.message }], envelope });
    expect(archived.get(`archive/2026-11-22/${envelope.requestId}.json`)).toBe(JSON.stringify(envelope));
    expect(quarantined).toEqual([]);
    expect(saved).toHaveLength(1);
    const { message, key } = saved[0]!;
    expect(key).toEqual({ tenantId: 'acme', channel: 'sms', businessAddress: '+15005550006', customerAddress: '+14155550100' });
    expect(message).toMatchObject({
      id: messageIdFor({ tenantId: 'acme', namespace: 'twilio' }, messageSid),
      conversationId: conversationIdFor(key),
      tenantId: 'acme',
      provider: 'twilio',
      providerMessageId: messageSid,
      channel: 'sms',
      direction: 'inbound',
      from: '+14155550100',
      to: '+15005550006',
      text: 'Hi',
      receivedAt: envelope.receivedAt,
      storedAt: processedAt.toISOString(),
      source: { requestId: envelope.requestId, endpointId },
    });
  });

  it("threads a message into the tenant that the endpoint's routes give its business address", async () => {
    const { deps, saved } = fakeDependencies({
      tenantOf: async (id, businessAddress) => (id === endpointId && businessAddress === '+15005550007' ? 'globex' : undefined),
    });
    const routed = aTwilioEnvelope(inboundSmsFields({ To: '+15005550007' }));
    const unrouted = aTwilioEnvelope(inboundSmsFields({ To: '+15005550006' }));

    await handleQueuedRequest(JSON.stringify(routed), 'record-1', deps);
    await handleQueuedRequest(JSON.stringify(unrouted), 'record-2', deps);

    expect(saved.map(({ message, key }) => [message.tenantId, key.tenantId])).toEqual([
      ['globex', 'globex'],
      ['acme', 'acme'],
    ]);
  });

  it("keeps a gateway's ids apart per endpoint: another sender's guid 42 is another message", async () => {
    const { deps, saved } = fakeDependencies();
    const sms = (await loadProvider('sms'))!;
    const envelopeFrom = (id: string) => {
      const url = `https://hooks.example.com/webhooks/sms/${id}`;
      const request = sms.sample({ url, secret: 'gateway-token', text: 'Same guid, other phone' });
      const body = JSON.stringify({ ...(JSON.parse(request.body) as object), guid: '42' });
      return { ...aTwilioEnvelope(inboundSmsFields()), provider: 'sms', endpointId: id, url, headers: { 'content-type': 'application/json' }, body: Buffer.from(body).toString('base64') };
    };

    await handleQueuedRequest(JSON.stringify(envelopeFrom('ep_gatewayA')), 'record-1', deps);
    await handleQueuedRequest(JSON.stringify(envelopeFrom('ep_gatewayB')), 'record-2', deps);

    const [first, second] = saved.map(({ message }) => message);
    expect(first?.providerMessageId).toBe('42');
    expect(second?.providerMessageId).toBe('42');
    expect(first?.id).not.toBe(second?.id);
  });

  it('reads a claim-checked body from the body store', async () => {
    const inline = aTwilioEnvelope(inboundSmsFields({ MessageSid: messageSid, Body: 'A long story' }));
    const { body, ...fields } = inline;
    const { deps, saved } = fakeDependencies({
      fetchBody: async (key) => (key === 'bodies/2026-11-22/req_big' ? Buffer.from(body, 'base64') : Promise.reject(new Error(`no ${key}`))),
    });

    await handleQueuedRequest(JSON.stringify({ ...fields, bodyKey: 'bodies/2026-11-22/req_big', bodyBytes: 10 }), 'record-1', deps);

    expect(saved.map(({ message }) => message.text)).toEqual(['A long story']);
  });

  it('cuts text too long for an item at a character boundary, and says so', async () => {
    const { deps, saved } = fakeDependencies();
    const body = '📦'.repeat(maxStoredTextBytes / 4 + 10) + 'é';

    await handleQueuedRequest(JSON.stringify(aTwilioEnvelope(inboundSmsFields({ Body: body }))), 'record-1', deps);

    const [stored] = saved.map(({ message }) => message);
    expect(stored?.textTruncated).toBe(true);
    expect(Buffer.byteLength(stored?.text ?? '')).toBeLessThanOrEqual(maxStoredTextBytes);
    expect(body.startsWith(stored?.text ?? 'x')).toBe(true);
    expect(stored?.text).not.toContain('\uFFFD');
  });

  it("applies the receipts kept pending for a message once the message is stored, and reports them", async () => {
    const waiting = { id: 'evt_waiting', event: { kind: 'status' } } as StoredEvent;
    const asked: string[] = [];
    const { deps } = fakeDependencies({ applyPending: async (targetPk) => (asked.push(targetPk), [{ event: waiting, outcome: 'applied' }]) });

    const outcome = await handleQueuedRequest(JSON.stringify(aTwilioEnvelope(inboundSmsFields({ MessageSid: messageSid }))), 'record-1', deps);

    expect(asked).toEqual([`MSG#${messageIdFor({ tenantId: 'acme', namespace: 'twilio' }, messageSid)}`]);
    expect(outcome).toMatchObject({ stored: [{ kind: 'message', outcome: 'stored' }, { kind: 'status', outcome: 'applied', event: waiting }] });
  });

  it('quarantines a request too large for an item by its archive key, and a large non-envelope cut and marked', async () => {
    const { deps, quarantined, archived } = fakeDependencies();
    const large = aTwilioEnvelope(inboundSmsFields({ MessageSid: 'not-a-sid', Body: 'x'.repeat(maxQuarantinedRawBytes) }));
    const junk = 'y'.repeat(maxQuarantinedRawBytes + 10);

    await handleQueuedRequest(JSON.stringify(large), 'record-1', deps);
    await handleQueuedRequest(junk, 'record-2', deps);

    const archiveKey = `archive/2026-11-22/${large.requestId}.json`;
    expect(archived.has(archiveKey)).toBe(true);
    expect(quarantined).toEqual([
      expect.objectContaining({ id: 'record-1', archiveKey, rawBytes: Buffer.byteLength(JSON.stringify(large)) }),
      expect.objectContaining({ id: 'record-2', raw: junk.slice(0, maxQuarantinedRawBytes), rawTruncated: true, rawBytes: junk.length }),
    ]);
    expect(quarantined[0]).not.toHaveProperty('raw');
  });

  it('passes a duplicate on as such', async () => {
    const { deps } = fakeDependencies({ saveMessage: async () => 'duplicate' });

    const outcome = await handleQueuedRequest(JSON.stringify(aTwilioEnvelope(inboundSmsFields())), 'record-1', deps);

    expect(outcome).toMatchObject({ stored: [{ outcome: 'duplicate' }] });
  });

  it('quarantines a body that is not JSON, keeping it whole and out of the reason', async () => {
    const { deps, saved, quarantined } = fakeDependencies();
    const body = 'Body=my account number is 12345678&From=%2B14155550100';

    const outcome = await handleQueuedRequest(body, 'record-2', deps);

    expect(outcome).toHaveProperty('quarantined');
    expect(saved).toEqual([]);
    expect(quarantined).toEqual([
      { id: 'record-2', reason: expect.stringMatching(/envelope/), raw: body, rawBytes: Buffer.byteLength(body), quarantinedAt: processedAt.toISOString() },
    ]);
    expect(quarantined[0]?.reason).not.toContain('12345678');
  });

  it.each([
    ['an object of another shape', JSON.stringify({ hello: 'world' })],
    ['an envelope of another version', JSON.stringify({ ...aTwilioEnvelope(inboundSmsFields()), version: 2 })],
    ['null', 'null'],
  ])('quarantines JSON that is not an envelope: %s', async (_case, body) => {
    const { deps, saved, quarantined } = fakeDependencies();

    await handleQueuedRequest(body, 'record-3', deps);

    expect(saved).toEqual([]);
    expect(quarantined).toEqual([
      { id: 'record-3', reason: expect.stringMatching(/envelope/), raw: body, rawBytes: Buffer.byteLength(body), quarantinedAt: processedAt.toISOString() },
    ]);
  });

  it('records a Twilio status callback as a receipt event for its message, not as a message', async () => {
    const events: StoredEvent[] = [];
    const { deps, saved, quarantined } = fakeDependencies({ saveEvent: async (event) => (events.push(event), 'applied') });
    const envelope = aTwilioEnvelope(
      { MessageSid: messageSid, AccountSid: accountSid, MessageStatus: 'delivered', SmsStatus: 'delivered', From: '+15005550006', To: '+14155550100' },
      { requestId: 'req_status_1', tenantId: 'globex' },
    );

    const outcome = await handleQueuedRequest(JSON.stringify(envelope), 'record-4', deps);

    expect(outcome).toMatchObject({ stored: [{ kind: 'status', outcome: 'applied' }] });
    expect(saved).toEqual([]);
    expect(quarantined).toEqual([]);
    expect(events).toEqual([
      expect.objectContaining({
        tenantId: 'globex',
        target: `MSG#${messageIdFor({ tenantId: 'globex', namespace: 'twilio' }, messageSid)}`,
        event: expect.objectContaining({ kind: 'status', status: 'delivered' }),
        source: { requestId: 'req_status_1', endpointId },
      }),
    ]);
  });

  it('quarantines an envelope of a provider it does not know', async () => {
    const { deps, quarantined } = fakeDependencies();
    const body = JSON.stringify(aTwilioEnvelope(inboundSmsFields(), { provider: 'carrier-pigeon' }));

    await handleQueuedRequest(body, 'record-5', deps);

    expect(quarantined).toMatchObject([{ id: 'record-5', reason: expect.stringMatching(/carrier-pigeon/), tenantId: 'acme' }]);
  });

  it('loads the provider through the registry it is given, not one of its own', async () => {
    const loaded: string[] = [];
    const { deps, saved, quarantined } = fakeDependencies({ loadProvider: async (name) => void loaded.push(name) });

    await handleQueuedRequest(JSON.stringify(aTwilioEnvelope(inboundSmsFields())), 'record-6', deps);

    expect(loaded).toEqual(['twilio']);
    expect(saved).toEqual([]);
    expect(quarantined).toMatchObject([{ id: 'record-6', reason: 'no provider named twilio' }]);
  });

  it('stores none of a request with more events than one record stores, and hands back its parts to queue', async () => {
    // Prepare
    const { deps, saved, archived } = fakeDependencies();
    const { messageIds: _ids, ...whole } = aBulkWhatsappEnvelope(maxEventsPerRecord * 2 + 1, { requestId: 'req_bulk_whole' });

    // Act
    const outcome = await handleQueuedRequest(JSON.stringify(whole), 'record-bulk', deps);

    // Assess
    expect(saved).toEqual([]);
    expect(outcome).toEqual({
      stored: [],
      parts: [
        { ...whole, part: { start: 0, end: maxEventsPerRecord } },
        { ...whole, part: { start: maxEventsPerRecord, end: maxEventsPerRecord * 2 } },
        { ...whole, part: { start: maxEventsPerRecord * 2, end: maxEventsPerRecord * 2 + 1 } },
      ],
      envelope: whole,
    });
    expect([...archived]).toEqual([[archiveKeyFor(whole), JSON.stringify(whole)]]);
  });

  it("stores a part's range of its request, and does not archive the request again", async () => {
    const { deps, saved, archived } = fakeDependencies();
    const { messageIds, ...whole } = aBulkWhatsappEnvelope(maxEventsPerRecord * 2, { requestId: 'req_bulk_part' });

    await handleQueuedRequest(JSON.stringify({ ...whole, part: { start: 10, end: maxEventsPerRecord + 10 } }), 'record-part', deps);

    expect(saved.map(({ message }) => message.providerMessageId)).toEqual(messageIds.slice(10, maxEventsPerRecord + 10));
    expect(archived.size).toBe(0);
  });

  it('lets a failure to store propagate, so the queue redelivers the record', async () => {
    const throttled = new Error('ProvisionedThroughputExceededException');
    const { deps, quarantined } = fakeDependencies({
      saveMessage: async () => {
        throw throttled;
      },
    });

    const result = handleQueuedRequest(JSON.stringify(aTwilioEnvelope(inboundSmsFields())), 'record-6', deps);

    await expect(result).rejects.toBe(throttled);
    expect(quarantined).toEqual([]);
  });
});
