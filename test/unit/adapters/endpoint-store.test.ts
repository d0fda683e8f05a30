import { describe, expect, it } from 'vitest';
import { cachedLookup } from '../../../functions/adapters/endpoint-store.ts';
import type { Endpoint } from '../../../functions/core/endpoint.ts';
import { anEndpoint } from '../../helpers/factories.ts';

/** A lookup over known endpoints that counts its calls per id, and a clock the test moves. */
const fakeLookup = (endpoints: Endpoint[]) => {
  const calls: string[] = [];
  const lookup = async (endpointId: string) => {
    calls.push(endpointId);
    return endpoints.find((endpoint) => endpoint.endpointId === endpointId);
  };
  return { lookup, calls };
};

const clock = () => {
  let time = 1_000_000;
  return { now: () => time, advance: (ms: number) => void (time += ms) };
};

describe('cachedLookup', () => {
  it('answers a second lookup within the ttl from memory', async () => {
    // Prepare
    const endpoint = anEndpoint({ endpointId: 'ep_a' });
    const { lookup, calls } = fakeLookup([endpoint]);
    const time = clock();
    const find = cachedLookup(lookup, { ttlMs: 60_000, missTtlMs: 5_000, now: time.now });

    // Act
    const first = await find('ep_a');
    time.advance(59_999);
    const second = await find('ep_a');

    // Assess
    expect(first).toEqual(endpoint);
    expect(second).toEqual(endpoint);
    expect(calls).toEqual(['ep_a']);
  });

  it('looks an endpoint up again once the ttl has passed', async () => {
    const { lookup, calls } = fakeLookup([anEndpoint({ endpointId: 'ep_a' })]);
    const time = clock();
    const find = cachedLookup(lookup, { ttlMs: 60_000, missTtlMs: 5_000, now: time.now });

    await find('ep_a');
    time.advance(60_000);
    await find('ep_a');

    expect(calls).toEqual(['ep_a', 'ep_a']);
  });

  it('remembers an unknown id for missTtlMs only, so a new endpoint works soon', async () => {
    const endpoints: Endpoint[] = [];
    const { lookup, calls } = fakeLookup(endpoints);
    const time = clock();
    const find = cachedLookup(lookup, { ttlMs: 60_000, missTtlMs: 5_000, now: time.now });

    const miss = await find('ep_new');
    time.advance(4_999);
    const stillMiss = await find('ep_new');
    endpoints.push(anEndpoint({ endpointId: 'ep_new' }));
    time.advance(1);
    const found = await find('ep_new');

    expect(miss).toBeUndefined();
    expect(stillMiss).toBeUndefined();
    expect(found?.endpointId).toBe('ep_new');
    expect(calls).toEqual(['ep_new', 'ep_new']);
  });

  it('holds at most maxEntries, dropping the entry refreshed longest ago', async () => {
    const { lookup, calls } = fakeLookup(['ep_a', 'ep_b', 'ep_c'].map((endpointId) => anEndpoint({ endpointId })));
    const find = cachedLookup(lookup, { ttlMs: 60_000, missTtlMs: 5_000, maxEntries: 2, now: clock().now });

    for (const id of ['ep_a', 'ep_b', 'ep_c']) await find(id);
    await find('ep_c');
    await find('ep_b');
    await find('ep_a');

    expect(calls).toEqual(['ep_a', 'ep_b', 'ep_c', 'ep_a']);
  });
});
