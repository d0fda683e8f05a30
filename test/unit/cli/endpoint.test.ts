import { describe, expect, it } from 'vitest';
import type { EndpointStore } from '../../../functions/adapters/endpoint-store.ts';
import type { Endpoint } from '../../../functions/core/endpoint.ts';
import { addEndpoint, changeSecret, listEndpoints } from '../../../lib/cli/endpoint.ts';
import type { Target } from '../../../lib/cli/target.ts';
import { UsageError } from '../../../lib/cli/usage-error.ts';

/** A target whose endpoints live in a Map, as the CLI would see them in the table. */
const inMemoryTarget = () => {
  const stored = new Map<string, Endpoint>();
  const endpoints: EndpointStore = {
    get: async (id) => stored.get(id),
    put: async (endpoint) => void stored.set(endpoint.endpointId, endpoint),
    list: async () => [...stored.values()],
    remove: async (id) => stored.delete(id),
    setSecrets: async (id, secrets) => {
      const endpoint = stored.get(id);
      if (!endpoint) return false;
      stored.set(id, { ...endpoint, secrets });
      return true;
    },
  };
  const target: Target = { publicBaseUrl: 'https://hooks.example.com/prod', webSocketUrl: 'wss://ws.example.com', endpoints, jwtSecret: async () => 'x' };
  return { target, stored };
};

describe('switchboard endpoint add', () => {
  it('registers an endpoint and prints its URL without its secrets', async () => {
    // Prepare
    const { target, stored } = inMemoryTarget();

    // Act
    const added = await addEndpoint(target, { provider: 'twilio', tenant: 'acme', secrets: ['auth-token-1'] });

    // Assess
    expect(added).toMatchObject({ provider: 'twilio', tenantId: 'acme', url: `https://hooks.example.com/prod/webhooks/twilio/${added.endpointId}`, secrets: 1 });
    expect(JSON.stringify(added)).not.toContain('auth-token-1');
    expect(stored.get(added.endpointId)?.secrets).toEqual(['auth-token-1']);
  });

  it('keeps a verify token and routes for a shared Meta app', async () => {
    const { target, stored } = inMemoryTarget();

    const added = await addEndpoint(target, {
      provider: 'meta',
      tenant: 'acme',
      secrets: ['app-secret'],
      verifyToken: 'let-me-in',
      routes: ['106540352242922=globex', '1234567890=initech'],
    });

    expect(stored.get(added.endpointId)).toMatchObject({ verifyToken: 'let-me-in', routes: { '106540352242922': 'globex', '1234567890': 'initech' } });
  });

  it.each([
    [{ provider: 'nope', tenant: 'acme', secrets: ['s'] }, /--provider must be one of: .*twilio/],
    [{ provider: 'twilio', tenant: 'a b', secrets: ['s'] }, /--tenant/],
    [{ provider: 'twilio', tenant: 'acme', secrets: [] }, /--secret is required/],
    [{ provider: 'meta', tenant: 'acme', secrets: ['s'] }, /--verify-token is required/],
    [{ provider: 'twilio', tenant: 'acme', secrets: ['s'], routes: ['no-equals-sign'] }, /--route takes/],
  ])('refuses %o with a usage error', async (options, message) => {
    const { target, stored } = inMemoryTarget();

    await expect(addEndpoint(target, options)).rejects.toThrow(message);
    await expect(addEndpoint(target, options)).rejects.toBeInstanceOf(UsageError);
    expect(stored.size).toBe(0);
  });
});

describe('switchboard endpoint secret', () => {
  it('rotates without a moment where neither secret is valid', async () => {
    const { target, stored } = inMemoryTarget();
    const { endpointId } = await addEndpoint(target, { provider: 'twilio', tenant: 'acme', secrets: ['old'] });

    await changeSecret(target, 'add', endpointId, 'new');
    const during = stored.get(endpointId)?.secrets;
    await changeSecret(target, 'remove', endpointId, 'old');

    expect(during).toEqual(['new', 'old']);
    expect(stored.get(endpointId)?.secrets).toEqual(['new']);
  });

  it('never removes the last secret, nor one the endpoint does not have', async () => {
    const { target } = inMemoryTarget();
    const { endpointId } = await addEndpoint(target, { provider: 'twilio', tenant: 'acme', secrets: ['only'] });

    await expect(changeSecret(target, 'remove', endpointId, 'only')).rejects.toThrow(/at least one secret/);
    await expect(changeSecret(target, 'remove', endpointId, 'other')).rejects.toThrow(/no such secret/);
    await expect(changeSecret(target, 'add', 'ep_missing', 'new')).rejects.toThrow(/no endpoint/);
  });
});

describe('switchboard endpoint list', () => {
  it('lists every endpoint with its URL and secret count only', async () => {
    const { target } = inMemoryTarget();
    await addEndpoint(target, { provider: 'twilio', tenant: 'acme', secrets: ['a', 'b'] });

    const listed = await listEndpoints(target);

    expect(listed).toEqual([expect.objectContaining({ provider: 'twilio', secrets: 2 })]);
    expect(JSON.stringify(listed)).not.toMatch(/"a"|"b"/);
  });
});
