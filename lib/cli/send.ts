import { webhookUrl } from '../../functions/core/ack.ts';
import type { Endpoint } from '../../functions/core/endpoint.ts';
import { loadProvider } from '../../functions/providers/registry.ts';
import type { Provider, SampleRequest } from '../../functions/providers/types.ts';
import type { Target } from './target.ts';
import { hasControls, terminalSafe } from './terminal-text.ts';
import { UsageError } from './usage-error.ts';

export interface SendOptions {
  readonly text: string;
  readonly from?: string;
  readonly to?: string;
  /** Print the equivalent curl command instead of sending. */
  readonly curl: boolean;
}

/**
 * A sample signed with the first of the endpoint's secrets that can sign one the endpoint
 * accepts: a SendGrid endpoint may hold its Event Webhook's public key, which signs nothing.
 */
const signedSample = (provider: Provider, endpoint: Endpoint, url: string, options: SendOptions): SampleRequest => {
  for (const secret of endpoint.secrets) {
    let request: SampleRequest;
    try {
      request = provider.sample({ url, secret, text: options.text, ...(options.from && { from: options.from }), ...(options.to && { to: options.to }) });
    } catch {
      continue;
    }
    const headers = Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name.toLowerCase(), value]));
    if (provider.verify({ url, headers, body: Buffer.from(request.body) }, endpoint, new Date()).ok) return request;
  }
  throw new UsageError(`none of endpoint ${endpoint.endpointId}'s secrets can sign a sample ${provider.name} message`);
};

/**
 * A shell word for `value`. One with control characters (a multipart body's CRLFs) is quoted
 * `$'…'` with them escaped, so the command is printed without them and still sends them.
 */
const shellQuote = (value: string): string =>
  hasControls(value) ? `$'${terminalSafe(value.replaceAll('\\', '\\\\').replaceAll("'", "\\'"))}'` : `'${value.replaceAll("'", `'\\''`)}'`;

/**
 * Sends an endpoint a message as its provider would: a realistic body, signed with the
 * endpoint's own secret. Like `stripe trigger`, for trying the pipeline without a phone.
 */
export const send = async (target: Target, endpointId: string | undefined, options: SendOptions): Promise<string[]> => {
  if (!endpointId) throw new UsageError('usage: switchboard send <endpointId> [--text <text>] [--from <address>] [--to <address>] [--curl]');
  const endpoint = await target.endpoints.get(endpointId);
  const provider = endpoint && (await loadProvider(endpoint.provider));
  if (!endpoint || !provider) throw new UsageError(`no endpoint ${endpointId}`);
  const url = webhookUrl(target.publicBaseUrl, endpoint.provider, endpoint.endpointId);
  const request = signedSample(provider, endpoint, url, options);
  if (options.curl) {
    const headers = Object.entries(request.headers).map(([name, value]) => `  -H ${shellQuote(`${name}: ${value}`)} \\`);
    return [`curl -i -X POST ${shellQuote(url)} \\`, ...headers, `  --data-raw ${shellQuote(request.body)}`];
  }
  const response = await fetch(url, { method: 'POST', headers: request.headers, body: request.body });
  return [`HTTP ${response.status} ${response.headers.get('content-type') ?? ''}`, ...(await response.text()).split('\n')];
};
