import { loadProvider, providerNames } from '../../functions/providers/registry.ts';

/**
 * For each registered provider, the credentials its contract names: one of the shape its
 * endpoints hold and another valid one that is not theirs, what `switchboard endpoint add
 * --secret` takes and what its samples sign with.
 */
export const providerCredentials: Readonly<Record<string, { readonly secret: string; readonly otherSecret: string }>> = Object.fromEntries(
  await Promise.all(providerNames.map(async (name) => [name, (await loadProvider(name))!.contract.credentials] as const)),
);
