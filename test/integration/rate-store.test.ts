import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRateStore, type RateStore } from '../../functions/adapters/rate-store.ts';
import { rateKeyOf, type SendingAddress } from '../../functions/core/sending-items.ts';
import { startDynamoDb } from '../helpers/services.ts';

let dynamo: Awaited<ReturnType<typeof startDynamoDb>>;
let rates: RateStore;
beforeAll(async () => {
  dynamo = await startDynamoDb();
  rates = createRateStore(dynamo.documentClient, dynamo.tables.Sending);
});
afterAll(async () => {
  await dynamo?.stop();
});

/** Every time is injected: the slots are asserted on, never the wall clock. */
const now = new Date('2026-11-22T12:00:00.000Z');
const t0 = now.getTime();
const later = (milliseconds: number) => new Date(t0 + milliseconds);

/** Each test its own sender, so that no slot carries over. */
let senders = 0;
const freshSender = () => ({ tenantId: 'acme', endpointId: `ep_rate_${++senders}`, from: '+15005550006' });

const nextAtOf = async (sender: SendingAddress) =>
  (await dynamo.documentClient.send(new GetCommand({ TableName: dynamo.tables.Sending, Key: rateKeyOf(sender), ConsistentRead: true }))).Item?.nextAt as number | undefined;

describe('rate store on DynamoDB Local', () => {
  it('gives 20 concurrent senders at 1/s twenty distinct slots exactly a second apart', async () => {
    // Prepare
    const sender = freshSender();

    // Act
    const slots = await Promise.all(Array.from({ length: 20 }, () => rates.reserve(sender, 1, 1, now, 60_000)));

    // Assess
    const ats = slots.map((slot) => ('at' in slot ? slot.at - t0 : Number.NaN)).sort((a, b) => a - b);
    expect(ats).toEqual(Array.from({ length: 20 }, (_, n) => n * 1000));
    expect(await nextAtOf(sender)).toBe(t0 + 20_000);
  });

  it('multiplies the interval by the message\'s cost (SMS segments)', async () => {
    const sender = freshSender();

    const slots = [await rates.reserve(sender, 1, 3, now, 60_000), await rates.reserve(sender, 1, 1, now, 60_000)];

    expect(slots).toEqual([{ at: t0 }, { at: t0 + 3000 }]);
  });

  it('spaces slots by the rate: 80/s is 12.5 ms, rounded up', async () => {
    const sender = freshSender();

    const slots = [await rates.reserve(sender, 80, 1, now, 60_000), await rates.reserve(sender, 80, 1, now, 60_000)];

    expect(slots).toEqual([{ at: t0 }, { at: t0 + 13 }]);
  });

  it('keeps each sending address, and each tenant, to its own rate', async () => {
    const sender = freshSender();

    const slots = [
      await rates.reserve({ ...sender, from: '+15005550006' }, 1, 1, now, 0),
      await rates.reserve({ ...sender, from: '+15005550007' }, 1, 1, now, 0),
      await rates.reserve({ ...sender, tenantId: 'globex', from: '+15005550006' }, 1, 1, now, 0),
    ];

    expect(slots).toEqual([{ at: t0 }, { at: t0 }, { at: t0 }]);
  });

  it('starts again from now once the sender was idle', async () => {
    const sender = freshSender();
    await rates.reserve(sender, 1, 1, now, 60_000);

    const slot = await rates.reserve(sender, 1, 1, later(30_000), 60_000);

    expect(slot).toEqual({ at: t0 + 30_000 });
  });

  it('does not take a slot further off than the caller waits, and leaves the next slot where it was', async () => {
    // Prepare: six slots taken, up to 5 s ahead.
    const sender = freshSender();
    for (let n = 0; n < 6; n++) await rates.reserve(sender, 1, 1, now, 5000);
    const nextAt = await nextAtOf(sender);

    // Act
    const refused = await rates.reserve(sender, 1, 1, now, 5000);

    // Assess
    expect(nextAt).toBe(t0 + 6000);
    expect(refused).toEqual({ retryAt: t0 + 6000 });
    expect(await nextAtOf(sender)).toBe(t0 + 6000);
  });

  it('after a 429, gives no slot before its Retry-After and halves the rate until slowUntil', async () => {
    // Prepare
    const sender = freshSender();
    await rates.slowDown(sender, t0 + 2000);

    // Act
    const slowed = [await rates.reserve(sender, 1, 1, now, 10_000), await rates.reserve(sender, 1, 1, now, 10_000)];
    // A minute after the Retry-After, the sender is back to its rate.
    const recovered = later(2000 + 60_000 + 1);
    const restored = [await rates.reserve(sender, 1, 1, recovered, 10_000), await rates.reserve(sender, 1, 1, recovered, 10_000)];

    // Assess
    expect(slowed).toEqual([{ at: t0 + 2000 }, { at: t0 + 4000 }]);
    expect(restored).toEqual([{ at: recovered.getTime() }, { at: recovered.getTime() + 1000 }]);
  });

  it('answers a slot past the wait after a 429 with its Retry-After', async () => {
    const sender = freshSender();
    await rates.slowDown(sender, t0 + 30_000);

    const slot = await rates.reserve(sender, 1, 1, now, 5000);

    expect(slot).toEqual({ retryAt: t0 + 30_000 });
  });

  it('never moves the next slot back with a shorter Retry-After', async () => {
    const sender = freshSender();
    await rates.slowDown(sender, t0 + 10_000);

    await rates.slowDown(sender, t0 + 1000);

    expect(await nextAtOf(sender)).toBe(t0 + 10_000);
  });

  it('halves the rate after a 429 even when its slots were already reserved past the Retry-After', async () => {
    // Prepare: a busy sender, slots taken 3 s ahead; the provider answers 429 with Retry-After 1 s.
    const sender = freshSender();
    for (let n = 0; n < 3; n++) await rates.reserve(sender, 1, 1, now, 10_000);
    await rates.slowDown(sender, t0 + 1000);

    // Act
    const next = [await rates.reserve(sender, 1, 1, now, 10_000), await rates.reserve(sender, 1, 1, now, 10_000)];

    // Assess: a second apart at the slowed rate would be two.
    expect(next).toEqual([{ at: t0 + 3000 }, { at: t0 + 5000 }]);
  });
});
