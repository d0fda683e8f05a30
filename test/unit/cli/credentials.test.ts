import { describe, expect, it } from 'vitest';
import { newSendKeySecret, openCredentials, sendKeyOf } from '../../../functions/adapters/credential-box.ts';
import { removeCredentials, setCredentials, type CredentialValues } from '../../../lib/cli/credentials.ts';
import { addEndpoint, listEndpoints } from '../../../lib/cli/endpoint.ts';
import { UsageError } from '../../../lib/cli/usage-error.ts';
import { inMemoryTarget } from '../../helpers/cli-target.ts';

const accountSid = `AC${'0a'.repeat(16)}`;
const apiKeySid = `SK${'1b'.repeat(16)}`;
const authToken = 'twilio-auth-token-never-printed';
const accessToken = 'EAAG-meta-access-token-never-printed';

/** An in-memory target with a send key, and one endpoint of `provider`. */
const withEndpoint = async (provider: string) => {
  const { target: base, stored } = inMemoryTarget();
  const sendKey = newSendKeySecret();
  const target = { ...base, sendKey: async () => sendKey };
  const { endpointId } = await addEndpoint(target, { provider, tenant: 'acme', secrets: ['webhook-secret'], verifyToken: 'let-me-in' });
  const opened = () => openCredentials(sendKeyOf(sendKey), endpointId, stored.get(endpointId)?.sending?.sealedCredentials ?? '');
  return { target, stored, endpointId, opened };
};

const now = new Date('2026-11-23T10:00:00.000Z');

describe('switchboard endpoint credentials', () => {
  it('seals Twilio credentials for the endpoint and prints its sending settings, never the credentials', async () => {
    // Prepare
    const { target, stored, endpointId, opened } = await withEndpoint('twilio');

    // Act
    const printed = await setCredentials(target, endpointId, {
      credentials: { 'twilio-account-sid': accountSid, 'twilio-auth-token': authToken },
      env: {},
      from: '+15550001111',
      rate: '1',
      now,
    });

    // Assess
    expect(printed).toEqual({ endpointId, provider: 'twilio', sending: { defaultFrom: '+15550001111', ratePerSecond: 1, updatedAt: now.toISOString() } });
    expect(opened()).toEqual({ provider: 'twilio', accountSid, authToken });
    expect(JSON.stringify(stored.get(endpointId))).not.toContain(authToken);
    expect(JSON.stringify(printed)).not.toMatch(new RegExp(`${authToken}|${accountSid}|sealed`));
  });

  it('takes a Twilio API key instead of the auth token', async () => {
    const { target, endpointId, opened } = await withEndpoint('twilio');

    await setCredentials(target, endpointId, {
      credentials: { 'twilio-account-sid': accountSid, 'twilio-api-key-sid': apiKeySid, 'twilio-api-key-secret': 'api-key-secret' },
      env: {},
    });

    expect(opened()).toEqual({ provider: 'twilio', accountSid, apiKeySid, apiKeySecret: 'api-key-secret' });
  });

  it('reads the secrets from the environment when no flag gives them, and a flag wins over it', async () => {
    const twilio = await withEndpoint('twilio');
    const meta = await withEndpoint('meta');
    const env = { SWITCHBOARD_TWILIO_AUTH_TOKEN: authToken, SWITCHBOARD_META_ACCESS_TOKEN: accessToken, SWITCHBOARD_TWILIO_API_KEY_SECRET: 'from-env' };

    await setCredentials(twilio.target, twilio.endpointId, { credentials: { 'twilio-account-sid': accountSid }, env });
    await setCredentials(meta.target, meta.endpointId, { credentials: {}, env });
    const fromEnv = [twilio.opened(), meta.opened()];
    await setCredentials(meta.target, meta.endpointId, { credentials: { 'meta-access-token': 'from-flag' }, env });

    expect(fromEnv).toEqual([
      { provider: 'twilio', accountSid, authToken },
      { provider: 'meta', accessToken },
    ]);
    expect(meta.opened()).toEqual({ provider: 'meta', accessToken: 'from-flag' });
  });

  it('keeps the default sender and rate already set, and lifts a pause', async () => {
    const { target, stored, endpointId } = await withEndpoint('meta');
    await setCredentials(target, endpointId, { credentials: { 'meta-access-token': 'first' }, env: {}, from: '106540352242922', rate: '80' });
    await target.endpoints.pauseSending(endpointId, 'Meta 190: the access token expired', '2026-11-23T11:00:00.000Z');
    const paused = (await listEndpoints(target))[0];

    const printed = await setCredentials(target, endpointId, { credentials: { 'meta-access-token': 'renewed' }, env: {}, now });

    expect(paused).toMatchObject({ sending: 'paused', sendingPausedReason: 'Meta 190: the access token expired' });
    expect(printed.sending).toEqual({ defaultFrom: '106540352242922', ratePerSecond: 80, updatedAt: now.toISOString() });
    expect(stored.get(endpointId)?.sending).not.toHaveProperty('pausedAt');
    expect((await listEndpoints(target))[0]).toMatchObject({ sending: 'set' });
    expect((await listEndpoints(target))[0]).not.toHaveProperty('sendingPausedReason');
  });

  it.each<[string, CredentialValues, Record<string, string>, RegExp]>([
    ['twilio', { 'meta-access-token': accessToken }, {}, /^--meta-access-token is not a twilio credential, and endpoint ep_[\w-]+ is twilio's$/],
    ['meta', { 'twilio-account-sid': accountSid, 'twilio-auth-token': authToken }, {}, /^--twilio-account-sid is not a meta credential/],
    ['twilio', { 'twilio-auth-token': authToken }, {}, /^--twilio-account-sid is required for a twilio endpoint$/],
    ['twilio', { 'twilio-account-sid': accountSid }, {}, /^--twilio-auth-token is required for a twilio endpoint \(or set SWITCHBOARD_TWILIO_AUTH_TOKEN\)$/],
    ['twilio', { 'twilio-account-sid': accountSid }, { SWITCHBOARD_META_ACCESS_TOKEN: accessToken }, /^--twilio-auth-token is required/],
    ['meta', {}, {}, /^--meta-access-token is required for a meta endpoint \(or set SWITCHBOARD_META_ACCESS_TOKEN\)$/],
    ['twilio', { 'twilio-account-sid': accountSid, 'twilio-auth-token': authToken, 'twilio-api-key-sid': apiKeySid }, {}, /not both/],
    ['twilio', { 'twilio-account-sid': accountSid, 'twilio-api-key-secret': 's' }, {}, /^--twilio-api-key-secret goes with --twilio-api-key-sid$/],
    ['twilio', { 'twilio-account-sid': accountSid, 'twilio-api-key-sid': apiKeySid }, {}, /--twilio-api-key-secret is required .*SWITCHBOARD_TWILIO_API_KEY_SECRET/],
    ['twilio', { 'twilio-account-sid': 'AC123', 'twilio-auth-token': authToken }, {}, /^credentials refused: send credentials must be Twilio/],
    ['twilio', { 'twilio-account-sid': accountSid, 'twilio-auth-token': '' }, {}, /^credentials refused/],
  ])('refuses a %s endpoint %j with one line that names no secret, and stores nothing', async (provider, credentials, env, message) => {
    const { target, stored, endpointId } = await withEndpoint(provider);

    const refusal = setCredentials(target, endpointId, { credentials, env });

    await expect(refusal).rejects.toThrow(message);
    await expect(setCredentials(target, endpointId, { credentials, env })).rejects.toBeInstanceOf(UsageError);
    await expect(refusal).rejects.not.toThrow(new RegExp(`${authToken}|${accessToken}`));
    expect(stored.get(endpointId)?.sending).toBeUndefined();
  });

  it.each([
    [{ rate: '0' }, /^--rate is messages per second/],
    [{ rate: '-2' }, /^--rate/],
    [{ rate: '1001' }, /at most 1000; got "1001"$/],
    [{ rate: 'fast' }, /^--rate/],
    [{ rate: '' }, /^--rate/],
    [{ from: ' +15550001111' }, /^--from is a sending address/],
    [{ from: '' }, /^--from/],
  ])('refuses the setting %j', async (setting, message) => {
    const { target, stored, endpointId } = await withEndpoint('twilio');

    await expect(setCredentials(target, endpointId, { credentials: { 'twilio-account-sid': accountSid, 'twilio-auth-token': authToken }, env: {}, ...setting })).rejects.toThrow(message);
    expect(stored.get(endpointId)?.sending).toBeUndefined();
  });

  it('refuses an endpoint that does not exist, or whose provider Switchboard does not send through', async () => {
    const { target } = await withEndpoint('twilio');
    const { endpointId: standard } = await addEndpoint(target, { provider: 'standard', tenant: 'acme', secrets: [`whsec_${Buffer.from('standard-webhooks-signing-key').toString('base64')}`] });

    await expect(setCredentials(target, 'ep_missing', { credentials: { 'meta-access-token': accessToken }, env: {} })).rejects.toThrow(/^no endpoint ep_missing$/);
    await expect(setCredentials(target, standard, { credentials: {}, env: {} })).rejects.toThrow(/is standard's, and Switchboard sends through twilio, meta, sendgrid, mailgun, sms endpoints only$/);
  });
});

describe('switchboard endpoint credentials --remove', () => {
  it('removes the sealed credentials, so the endpoint sends nothing, and says so for an endpoint that does not exist', async () => {
    // Prepare
    const { target, stored, endpointId } = await withEndpoint('twilio');
    await setCredentials(target, endpointId, { credentials: { 'twilio-account-sid': accountSid, 'twilio-auth-token': authToken }, env: {}, now });

    // Act
    const printed = await removeCredentials(target, endpointId);
    const missing = await removeCredentials(target, 'ep_missing').catch((error: unknown) => error);

    // Assess
    expect(printed).toEqual({ endpointId, sending: 'none' });
    expect(stored.get(endpointId)?.sending).toBeUndefined();
    expect(missing).toBeInstanceOf(UsageError);
  });
});

describe('switchboard endpoint list, with sending', () => {
  it('shows whether each endpoint can send, and nothing of its credentials', async () => {
    const { target, endpointId } = await withEndpoint('meta');
    const { endpointId: other } = await addEndpoint(target, { provider: 'twilio', tenant: 'acme', secrets: ['webhook-secret'] });
    await setCredentials(target, endpointId, { credentials: { 'meta-access-token': accessToken }, env: {} });

    const listed = await listEndpoints(target);

    expect(Object.fromEntries(listed.map((endpoint) => [endpoint.endpointId, endpoint.sending]))).toEqual({ [endpointId]: 'set', [other]: 'none' });
    expect(JSON.stringify(listed)).not.toMatch(/sealed|v1\.|EAAG/);
  });
});

describe('switchboard endpoint credentials, SMS gateways', () => {
  const gatewayPassword = 'sms-gateway-password-never-printed';
  const signingSecret = `whsec_${Buffer.from('sms-gateway-signing-key-never-printed').toString('base64')}`;

  /** An SMS gateway endpoint: its own webhook secret is a shared secret of at least 16 characters. */
  const withSmsEndpoint = async () => {
    const { target: base, stored } = inMemoryTarget();
    const sendKey = newSendKeySecret();
    const target = { ...base, sendKey: async () => sendKey };
    const { endpointId } = await addEndpoint(target, { provider: 'sms', tenant: 'acme', secrets: ['gateway-signing-key-0123456789'] });
    const opened = () => openCredentials(sendKeyOf(sendKey), endpointId, stored.get(endpointId)?.sending?.sealedCredentials ?? '');
    return { target, stored, endpointId, opened };
  };

  it("seals SMS Gateway for Android's username and password, and a private server's URL when given", async () => {
    const cloud = await withSmsEndpoint();
    const own = await withSmsEndpoint();

    const printed = await setCredentials(cloud.target, cloud.endpointId, { credentials: { 'sms-username': 'JOHNDOE', 'sms-password': gatewayPassword }, env: {}, rate: '0.5', now });
    await setCredentials(own.target, own.endpointId, { credentials: { 'sms-username': 'JOHNDOE', 'sms-api-url': 'https://sms.example.com/api' }, env: { SWITCHBOARD_SMS_PASSWORD: gatewayPassword } });

    expect(cloud.opened()).toEqual({ provider: 'sms', gateway: 'android', username: 'JOHNDOE', password: gatewayPassword });
    expect(own.opened()).toEqual({ provider: 'sms', gateway: 'android', username: 'JOHNDOE', password: gatewayPassword, apiUrl: 'https://sms.example.com/api' });
    expect(printed).toEqual({ endpointId: cloud.endpointId, provider: 'sms', sending: { ratePerSecond: 0.5, updatedAt: now.toISOString() } });
    expect(JSON.stringify([...cloud.stored.values(), printed])).not.toContain(gatewayPassword);
  });

  it("seals a generic gateway's URL and signing secret, the secret from the environment too", async () => {
    const flag = await withSmsEndpoint();
    const env = await withSmsEndpoint();

    await setCredentials(flag.target, flag.endpointId, { credentials: { 'sms-webhook-url': 'https://gateway.example.com/send', 'sms-signing-secret': signingSecret }, env: {} });
    await setCredentials(env.target, env.endpointId, { credentials: { 'sms-webhook-url': 'http://127.0.0.1:8099/send' }, env: { SWITCHBOARD_SMS_SIGNING_SECRET: signingSecret } });

    expect(flag.opened()).toEqual({ provider: 'sms', gateway: 'webhook', url: 'https://gateway.example.com/send', signingSecret });
    expect(env.opened()).toEqual({ provider: 'sms', gateway: 'webhook', url: 'http://127.0.0.1:8099/send', signingSecret });
    expect(JSON.stringify([...flag.stored.values()])).not.toContain(signingSecret);
  });

  it.each<[CredentialValues, Record<string, string>, RegExp]>([
    [{ 'sms-password': gatewayPassword }, {}, /^--sms-username is required for a sms endpoint$/],
    [{ 'sms-username': 'JOHNDOE' }, {}, /^--sms-password is required for a sms endpoint \(or set SWITCHBOARD_SMS_PASSWORD\)$/],
    [{ 'sms-webhook-url': 'https://gateway.example.com/send' }, {}, /^--sms-signing-secret is required for a sms endpoint \(or set SWITCHBOARD_SMS_SIGNING_SECRET\)$/],
    [{ 'sms-webhook-url': 'https://gateway.example.com/send', 'sms-signing-secret': signingSecret, 'sms-password': gatewayPassword }, {}, /^give --sms-webhook-url .* not --sms-password too$/],
    [{ 'sms-username': 'JOHNDOE', 'sms-password': gatewayPassword, 'sms-signing-secret': signingSecret }, {}, /^--sms-signing-secret goes with --sms-webhook-url$/],
    [{ 'sms-webhook-url': 'ftp://gateway.example.com/send', 'sms-signing-secret': signingSecret }, {}, /^credentials refused: send credentials must be .*a webhook gateway/],
    [{ 'sms-webhook-url': 'https://gateway.example.com/send', 'sms-signing-secret': 'not-a-whsec-secret' }, {}, /^credentials refused/],
    [{ 'sms-username': 'JOHNDOE', 'sms-password': gatewayPassword, 'sms-api-url': 'sms.example.com' }, {}, /^credentials refused/],
    [{ 'meta-access-token': accessToken }, {}, /^--meta-access-token is not a sms credential/],
  ])('refuses %j with one line that names no secret, and stores nothing', async (credentials, env, message) => {
    const { target, stored, endpointId } = await withSmsEndpoint();

    const refusal = setCredentials(target, endpointId, { credentials, env });

    await expect(refusal).rejects.toThrow(message);
    await expect(refusal).rejects.toBeInstanceOf(UsageError);
    await expect(refusal).rejects.not.toThrow(new RegExp(`${gatewayPassword}|${signingSecret.slice(6, 20)}|${accessToken}`));
    expect(stored.get(endpointId)?.sending).toBeUndefined();
  });
});
