import { webhookUrl } from '../../functions/core/ack.ts';
import type { Endpoint } from '../../functions/core/endpoint.ts';
import { newEndpointId } from '../../functions/core/ids.ts';
import { findEdge, providerNames } from '../../functions/providers/registry.ts';
import type { ProviderEdge } from '../../functions/providers/types.ts';
import type { Target } from './target.ts';
import { UsageError } from './usage-error.ts';

const tenantPattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export interface AddEndpointOptions {
  readonly provider?: string;
  readonly tenant?: string;
  readonly secrets: readonly string[];
  readonly verifyToken?: string;
  /** `<business account id>=<tenant>`: a shared provider app's accounts and the tenants that own them. */
  readonly routes?: readonly string[];
}

/** How a listing shows an endpoint's sending: whether it can send, never with what. */
export const sendingState = (endpoint: Endpoint): 'paused' | 'set' | 'none' =>
  endpoint.sending === undefined ? 'none' : endpoint.sending.pausedAt === undefined ? 'set' : 'paused';

const describe = (endpoint: Endpoint, target: Target) => {
  const url = webhookUrl(target.publicBaseUrl, endpoint.provider, endpoint.endpointId);
  const consoleUrl = findEdge(endpoint.provider)?.consoleUrl?.(url);
  return {
    endpointId: endpoint.endpointId,
    provider: endpoint.provider,
    tenantId: endpoint.tenantId,
    url,
    // What to paste into the provider's console when it differs from the URL (Twilio's retry overrides).
    ...(consoleUrl !== undefined && consoleUrl !== url && { consoleUrl }),
    secrets: endpoint.secrets.length,
    ...(endpoint.routes && { routes: endpoint.routes }),
    // Why it cannot send, when its provider refused its credentials: the provider's words, never the credentials.
    sending: sendingState(endpoint),
    ...(endpoint.sending?.pausedReason !== undefined && { sendingPausedReason: endpoint.sending.pausedReason }),
    createdAt: endpoint.createdAt,
  };
};

const parseRoutes = (routes: readonly string[]): Record<string, string> | undefined => {
  if (routes.length === 0) return undefined;
  return Object.fromEntries(
    routes.map((route) => {
      const [account, tenant, ...rest] = route.split('=');
      if (!account || !tenant || rest.length > 0 || !tenantPattern.test(tenant)) {
        throw new UsageError(`--route takes <business account id>=<tenant>, e.g. 106540352242922=acme; got "${route}"`);
      }
      return [account, tenant];
    }),
  );
};

/** Refuses a secret the endpoint could not rely on, naming the rule and never the secret. */
const checkSecret = (provider: ProviderEdge | undefined, secret: string): void => {
  const refusal = secret.trim() === '' ? 'a secret must not be empty' : provider?.secretRefusal?.(secret);
  if (refusal !== undefined) throw new UsageError(`--secret refused: ${refusal}`);
};

/** Registers a webhook URL for a tenant; its secrets are stored, never printed. */
export const addEndpoint = async (target: Target, options: AddEndpointOptions) => {
  if (options.provider === undefined) throw new UsageError(`--provider is required: one of ${providerNames.join(', ')}`);
  const provider = findEdge(options.provider);
  if (!provider) throw new UsageError(`--provider must be one of: ${providerNames.join(', ')}`);
  if (options.tenant === undefined) throw new UsageError('--tenant is required');
  if (!tenantPattern.test(options.tenant)) {
    throw new UsageError('--tenant must be 1–64 letters, digits, dots, dashes or underscores');
  }
  if (options.secrets.length === 0) {
    throw new UsageError(`--secret is required for ${provider.name}: the credential it signs webhooks with (repeat it to accept two during a rotation)`);
  }
  for (const secret of options.secrets) checkSecret(provider, secret);
  if (provider.handshake && !options.verifyToken) {
    throw new UsageError(`--verify-token is required for ${provider.name}: the token you type into its console when you subscribe the URL`);
  }
  const routes = parseRoutes(options.routes ?? []);
  const endpoint: Endpoint = {
    endpointId: newEndpointId(),
    provider: provider.name,
    tenantId: options.tenant,
    secrets: options.secrets,
    ...(options.verifyToken && { verifyToken: options.verifyToken }),
    ...(routes && { routes }),
    createdAt: new Date().toISOString(),
  };
  await target.endpoints.put(endpoint);
  return describe(endpoint, target);
};

export const listEndpoints = async (target: Target) => (await target.endpoints.list()).map((endpoint) => describe(endpoint, target));

/**
 * Secret rotation without downtime: add the new secret (both are valid), switch the provider
 * over, then remove the old one. Warm functions cache an endpoint for up to a minute.
 */
export const changeSecret = async (target: Target, action: 'add' | 'remove', endpointId: string | undefined, secret: string | undefined) => {
  if (!endpointId || !secret) throw new UsageError(`usage: switchboard endpoint secret ${action} <endpointId> --secret <secret>`);
  const endpoint = await target.endpoints.get(endpointId);
  if (!endpoint) throw new UsageError(`no endpoint ${endpointId}`);
  if (action === 'add') checkSecret(findEdge(endpoint.provider), secret);
  const others = endpoint.secrets.filter((existing) => existing !== secret);
  if (action === 'remove' && others.length === endpoint.secrets.length) throw new UsageError(`endpoint ${endpointId} has no such secret`);
  if (action === 'remove' && others.length === 0) throw new UsageError('an endpoint keeps at least one secret: add the new one first');
  const secrets = action === 'add' ? [secret, ...others] : others;
  if (!(await target.endpoints.setSecrets(endpointId, secrets))) throw new UsageError(`no endpoint ${endpointId}`);
  return { endpointId, secrets: secrets.length };
};

export const removeEndpoint = async (target: Target, endpointId: string | undefined) => {
  if (!endpointId) throw new UsageError('usage: switchboard endpoint remove <endpointId>');
  if (!(await target.endpoints.remove(endpointId))) throw new UsageError(`no endpoint ${endpointId}`);
  return { removed: endpointId };
};
