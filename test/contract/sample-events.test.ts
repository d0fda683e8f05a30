import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadProvider, providerNames } from '../../functions/providers/registry.ts';

/**
 * Every sample request in events/<provider>/ is one the provider really accepts: it verifies
 * with the secret it names, at the URL and time it names, and normalizes into events. A
 * sample that drifts from its provider's code fails here.
 */
interface SampleFile {
  readonly description: string;
  readonly url: string;
  readonly secret: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly bodyBase64?: string;
  readonly receivedAt?: string;
}

const eventsDir = new URL('../../events/', import.meta.url);
const samples = providerNames.flatMap((provider) =>
  readdirSync(new URL(`${provider}/`, eventsDir))
    .filter((file) => file.endsWith('.json'))
    .map((file) => ({ provider, file, sample: JSON.parse(readFileSync(new URL(`${provider}/${file}`, eventsDir), 'utf8')) as SampleFile })),
);

describe('sample requests in events/', () => {
  it('exist for every registered provider', () => {
    expect(new Set(samples.map(({ provider }) => provider))).toEqual(new Set(providerNames));
  });

  it.each(samples.map(({ provider, file, sample }) => [`${provider}/${file}`, provider, sample] as const))('%s verifies with its secret and normalizes', async (_, provider, sample) => {
    const implementation = (await loadProvider(provider))!;
    const request = {
      url: sample.url,
      headers: Object.fromEntries(Object.entries(sample.headers).map(([name, value]) => [name.toLowerCase(), value])),
      body: sample.bodyBase64 === undefined ? Buffer.from(sample.body ?? '') : Buffer.from(sample.bodyBase64, 'base64'),
    };
    const endpoint = { endpointId: 'ep_sample', provider, tenantId: 'demo', secrets: [sample.secret], createdAt: '2026-11-01T00:00:00.000Z' };
    const at = sample.receivedAt === undefined ? new Date() : new Date(sample.receivedAt);

    const verdict = implementation.verify(request, endpoint, at);
    const refusal = implementation.verify(request, { ...endpoint, secrets: ['not-the-secret'] }, at);

    expect(sample.description.length).toBeGreaterThan(0);
    expect(verdict).toMatchObject({ ok: true });
    expect(refusal).toMatchObject({ ok: false });
    expect(implementation.normalize(request).length).toBeGreaterThan(0);
  });
});
