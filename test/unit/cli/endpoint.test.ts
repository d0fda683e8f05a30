import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { addEndpoint, changeSecret, listEndpoints } from '../../../lib/cli/endpoint.ts';
import { UsageError } from '../../../lib/cli/usage-error.ts';
import { inMemoryTarget } from '../../helpers/cli-target.ts';
import { providerCredentials } from '../../helpers/provider-credentials.ts';

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
    [{ provider: 'twilio', tenant: 'a b', secrets: ['s'] }, /--tenant must be/],
    [{ provider: 'twilio', secrets: ['s'] }, /^--tenant is required$/],
    [{ tenant: 'acme', secrets: ['s'] }, /^--provider is required: one of .*twilio/],
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

/** The Event Webhook verification key of the recorded SendGrid events: a real P-256 public key. */
const sendgridEventKey = (JSON.parse(readFileSync(new URL('../../../events/sendgrid/events.json', import.meta.url), 'utf8')) as { secret: string }).secret;
const whsec = (bytes: number) => `whsec_${Buffer.alloc(bytes, 7).toString('base64')}`;

describe('weak secrets', () => {
  it.each([
    ['sendgrid', ':', 'a SendGrid Inbound Parse credential is "user:password", neither of them empty'],
    ['sendgrid', 'user:', 'a SendGrid Inbound Parse credential is "user:password", neither of them empty'],
    ['sendgrid', ':password', 'a SendGrid Inbound Parse credential is "user:password", neither of them empty'],
    ['sendgrid', 'password-without-user', 'a SendGrid secret is an Inbound Parse "user:password" or the Event Webhook\'s verification key (base64)'],
    ['sms', 'short-token', "an SMS gateway's bearer token or signing key must be at least 16 characters"],
    ['sms', 'x'.repeat(15), "an SMS gateway's bearer token or signing key must be at least 16 characters"],
    ['sms', 'whsec_', 'a Standard Webhooks secret is whsec_ followed by the base64 of at least 24 random bytes'],
    ['standard', 'whsec_', 'a Standard Webhooks secret is whsec_ followed by the base64 of at least 24 random bytes'],
    ['standard', 'whsec_not base64!', 'a Standard Webhooks secret is whsec_ followed by the base64 of at least 24 random bytes'],
    ['standard', whsec(16), 'a Standard Webhooks secret is whsec_ followed by the base64 of at least 24 random bytes'],
    ['twilio', '   ', 'a secret must not be empty'],
    ['meta', '', 'a secret must not be empty'],
    ['mailgun', '\t', 'a secret must not be empty'],
  ])('refuses a %s endpoint the secret %j with one line, stores nothing', async (provider, secret, reason) => {
    const { target, stored } = inMemoryTarget();

    const refusal = addEndpoint(target, { provider, tenant: 'acme', secrets: [providerCredentials[provider]!.secret, secret], verifyToken: 'let-me-in' });

    await expect(refusal).rejects.toThrow(new UsageError(`--secret refused: ${reason}`));
    expect(stored.size).toBe(0);
  });

  it.each([
    ['sendgrid', 'u:p'],
    ['sendgrid', 'user:pass:with:colons'],
    ['sendgrid', sendgridEventKey],
    ['sms', 'x'.repeat(16)],
    ['sms', whsec(24)],
    ['standard', whsec(24)],
    ['standard', whsec(64)],
    ['twilio', 'an-auth-token'],
  ])('accepts a %s endpoint the secret %j', async (provider, secret) => {
    const { target, stored } = inMemoryTarget();

    const { endpointId } = await addEndpoint(target, { provider, tenant: 'acme', secrets: [secret], verifyToken: 'let-me-in' });

    expect(stored.get(endpointId)?.secrets).toEqual([secret]);
  });

  it('refuses a weak secret added in a rotation, and keeps the endpoint as it was', async () => {
    const { target, stored } = inMemoryTarget();
    const { endpointId } = await addEndpoint(target, { provider: 'sms', tenant: 'acme', secrets: ['gateway-bearer-token'] });

    await expect(changeSecret(target, 'add', endpointId, 'abc')).rejects.toThrow(/^--secret refused: an SMS gateway's bearer token/);
    await expect(changeSecret(target, 'add', endpointId, ' ')).rejects.toThrow(/^--secret refused: a secret must not be empty/);

    expect(stored.get(endpointId)?.secrets).toEqual(['gateway-bearer-token']);
  });
});
