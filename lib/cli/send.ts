import { webhookUrl } from '../../functions/core/ack.ts';
import { findProvider } from '../../functions/providers/registry.ts';
import type { Target } from './target.ts';
import { UsageError } from './usage-error.ts';

export interface SendOptions {
  readonly text: string;
  readonly from?: string;
  readonly to?: string;
  /** Print the equivalent curl command instead of sending. */
  readonly curl: boolean;
}

const shellQuote = (value: string): string => `'${value.replaceAll("'", `'\\''`)}'`;

/**
 * Sends an endpoint a message as its provider would: a realistic body, signed with the
 * endpoint's own secret. Like `stripe trigger`, for trying the pipeline without a phone.
 */
export const send = async (target: Target, endpointId: string | undefined, options: SendOptions): Promise<string> => {
  if (!endpointId) throw new UsageError('usage: switchboard send <endpointId> [--text <text>] [--from <address>] [--to <address>] [--curl]');
  const endpoint = await target.endpoints.get(endpointId);
  const provider = endpoint && findProvider(endpoint.provider);
  if (!endpoint || !provider) throw new UsageError(`no endpoint ${endpointId}`);
  const url = webhookUrl(target.publicBaseUrl, endpoint.provider, endpoint.endpointId);
  const request = provider.sample({
    url,
    secret: endpoint.secrets[0] ?? '',
    text: options.text,
    ...(options.from && { from: options.from }),
    ...(options.to && { to: options.to }),
  });
  if (options.curl) {
    const headers = Object.entries(request.headers).map(([name, value]) => `  -H ${shellQuote(`${name}: ${value}`)} \\`);
    return [`curl -i -X POST ${shellQuote(url)} \\`, ...headers, `  --data-raw ${shellQuote(request.body)}`].join('\n');
  }
  const response = await fetch(url, { method: 'POST', headers: request.headers, body: request.body });
  return `HTTP ${response.status} ${response.headers.get('content-type') ?? ''}\n${await response.text()}`;
};
