import { webhookUrl } from '../../functions/core/ack.ts';
import type { Endpoint } from '../../functions/core/endpoint.ts';
import { newEndpointId } from '../../functions/core/ids.ts';
import { findProvider, providerNames } from '../../functions/providers/registry.ts';
import type { Target } from './target.ts';
import { UsageError } from './usage-error.ts';

const tenantPattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export interface AddEndpointOptions {
  readonly provider?: string;
  readonly tenant?: string;
  readonly secrets: readonly string[];
}

const describe = (endpoint: Endpoint, target: Target) => ({
  endpointId: endpoint.endpointId,
  provider: endpoint.provider,
  tenantId: endpoint.tenantId,
  url: webhookUrl(target.publicBaseUrl, endpoint.provider, endpoint.endpointId),
  createdAt: endpoint.createdAt,
});

/** Registers a webhook URL for a tenant; its secrets are stored, never printed. */
export const addEndpoint = async (target: Target, options: AddEndpointOptions) => {
  const provider = options.provider === undefined ? undefined : findProvider(options.provider);
  if (!provider) throw new UsageError(`--provider must be one of: ${providerNames.join(', ')}`);
  if (!options.tenant || !tenantPattern.test(options.tenant)) {
    throw new UsageError('--tenant must be 1–64 letters, digits, dots, dashes or underscores');
  }
  if (options.secrets.length === 0 || options.secrets.some((secret) => secret.trim() === '')) {
    throw new UsageError(`--secret is required for ${provider.name}: the credential it signs webhooks with (repeat it to accept two during a rotation)`);
  }
  const endpoint: Endpoint = {
    endpointId: newEndpointId(),
    provider: provider.name,
    tenantId: options.tenant,
    secrets: options.secrets,
    createdAt: new Date().toISOString(),
  };
  await target.endpoints.put(endpoint);
  return describe(endpoint, target);
};

export const listEndpoints = async (target: Target) => (await target.endpoints.list()).map((endpoint) => describe(endpoint, target));

export const removeEndpoint = async (target: Target, endpointId: string | undefined) => {
  if (!endpointId) throw new UsageError('usage: switchboard endpoint remove <endpointId>');
  if (!(await target.endpoints.remove(endpointId))) throw new UsageError(`no endpoint ${endpointId}`);
  return { removed: endpointId };
};
