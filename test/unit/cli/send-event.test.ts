import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Endpoint } from '../../../functions/core/endpoint.ts';
import { signedTokenOf } from '../../../functions/providers/mailgun/signature.ts';
import { loadProvider } from '../../../functions/providers/registry.ts';
import { addEndpoint } from '../../../lib/cli/endpoint.ts';
import { readEventFile } from '../../../lib/cli/event-file.ts';
import { send } from '../../../lib/cli/send.ts';
import { UsageError } from '../../../lib/cli/usage-error.ts';
import { inMemoryTarget } from '../../helpers/cli-target.ts';
import { providerCredentials } from '../../helpers/provider-credentials.ts';

/** `switchboard send --event`: the file's request, signed for the endpoint (test/e2e/event-files.test.ts posts every file). */

const url = 'https://hooks.example.com/prod/webhooks/x/ep_test';
const endpointWith = (provider: string, secrets: string[]): Endpoint => ({ endpointId: 'ep_test', provider, tenantId: 'acme', secrets, createdAt: '' });
const eventPath = (name: string) => fileURLToPath(new URL(`../../../events/${name}`, import.meta.url));
const filesOf = (provider: string) => readdirSync(eventPath(provider)).map((file) => `${provider}/${file}`);

/** Whether `secret` signs the file's request in a form an endpoint holding only that secret accepts. */
const resignsFor = async (provider: string, path: string, secret: string): Promise<boolean> => {
  const implementation = (await loadProvider(provider))!;
  const now = new Date();
  const request = implementation.resign((await readEventFile(path)).request, { url, secret, now });
  return implementation.verify({ ...request, body: Buffer.from(request.body) }, endpointWith(provider, [secret]), now).ok;
};

describe('switchboard send --event', () => {
  it("refuses a file of another provider than the endpoint's, in one line naming both", async () => {
    // Prepare
    const { target } = inMemoryTarget();
    const { endpointId } = await addEndpoint(target, { provider: 'twilio', tenant: 'acme', secrets: ['an-auth-token'] });

    // Act
    const path = eventPath('meta/whatsapp-text.json');
    const sending = send(target, endpointId, { text: '', event: path, curl: true });

    // Assess
    await expect(sending).rejects.toThrow(UsageError);
    await expect(sending).rejects.toThrow(`${path} is a meta request, and endpoint ${endpointId} is twilio's: send it one from events/twilio/`);
  });

  it('says what is wrong with a file that is missing or not a recorded request', async () => {
    const { target } = inMemoryTarget();
    const { endpointId } = await addEndpoint(target, { provider: 'twilio', tenant: 'acme', secrets: ['an-auth-token'] });
    const folder = await mkdtemp(join(tmpdir(), 'send-event-'));
    const lambdaEvent = join(folder, 'not-a-webhook.json');
    await writeFile(lambdaEvent, JSON.stringify({ Records: [] }));

    try {
      await expect(send(target, endpointId, { text: '', event: join(folder, 'missing.json'), curl: true })).rejects.toThrow(`--event ${join(folder, 'missing.json')}: no such file`);
      await expect(send(target, endpointId, { text: '', event: lambdaEvent, curl: true })).rejects.toThrow(`--event ${lambdaEvent}: not a recorded webhook request`);
    } finally {
      await rm(folder, { recursive: true });
    }
  });

  it.each(filesOf('sms'))('signs events/%s for an SMS gateway endpoint of either kind of secret', async (name) => {
    expect(await resignsFor('sms', eventPath(name), providerCredentials.sms!.secret)).toBe(true);
    expect(await resignsFor('sms', eventPath(name), providerCredentials.standard!.secret)).toBe(true);
  });

  it('keeps a SendGrid event batch as SendGrid signed it, for an endpoint holding its verification key, and says an Inbound Parse POST needs a "user:password"', async () => {
    const verificationKey = (JSON.parse(readFileSync(eventPath('sendgrid/events.json'), 'utf8')) as { secret: string }).secret;

    expect(await resignsFor('sendgrid', eventPath('sendgrid/events.json'), verificationKey)).toBe(true);
    await expect(resignsFor('sendgrid', eventPath('sendgrid/inbound-parse.json'), verificationKey)).rejects.toThrow('the endpoint needs a "user:password" secret');
  });

  it('gives a Mailgun request a token of its own each time, so that posting a file twice is two deliveries', async () => {
    const mailgun = (await loadProvider('mailgun'))!;
    const { request } = await readEventFile(eventPath('mailgun/inbound-multipart.json'));
    const tokenOf = (now: Date) => {
      const signed = mailgun.resign(request, { url, secret: providerCredentials.mailgun!.secret, now });
      return signedTokenOf({ ...signed, body: Buffer.from(signed.body) })?.token;
    };

    expect(tokenOf(new Date())).not.toBe(tokenOf(new Date()));
  });
});
