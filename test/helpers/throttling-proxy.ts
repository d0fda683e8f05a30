import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { Agent, createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An HTTP proxy in front of DynamoDB Local that throttles writes the way DynamoDB does: it
 * answers a share of the chosen operations with HTTP 400 and a
 * ProvisionedThroughputExceededException in DynamoDB's JSON error format, which the SDK
 * retries and then surfaces. DynamoDB Local itself never throttles. It can also refuse every
 * write that carries a given text, as DynamoDB refuses an item too large to store, each time.
 */
export interface ThrottlingPolicy {
  /** Operations (the X-Amz-Target action, e.g. TransactWriteItems) that may be throttled. */
  readonly operations: readonly string[];
  /** The share of those requests answered with the throttling error, 0 to 1. */
  readonly rate: number;
  /**
   * At most this many refusals for writes about the same item (the first item a request
   * names), so that every write goes through in the end, as a throttled partition does.
   */
  readonly maxPerItem: number;
}

export interface ThrottlingProxy {
  readonly endpoint: string;
  /** Requests refused so far, by operation. */
  readonly throttled: Readonly<Record<string, number>>;
  /** Writes refused by `refuse` so far, by item (the first item a request names). */
  readonly refused: ReadonlyMap<string, number>;
  throttle(policy: ThrottlingPolicy): void;
  /** From now on every request whose body holds `text` is refused, with an error the SDK does not retry; undefined lifts it. */
  refuse(text: string | undefined): void;
  stop(): Promise<void>;
}

const throttlingError = JSON.stringify({
  __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
  message: 'The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.',
});

const itemTooLargeError = JSON.stringify({
  __type: 'com.amazon.coral.validate#ValidationException',
  message: 'Item size has exceeded the maximum allowed size',
});

type AttributeMap = Record<string, unknown>;

/** The key of the first item a write names: a PutItem's item, or a transaction's first action's. */
const itemOf = (operation: string, body: string): string => {
  const input = JSON.parse(body) as { Item?: AttributeMap; TransactItems?: Record<string, { Item?: AttributeMap; Key?: AttributeMap }>[] };
  const action = Object.values(input.TransactItems?.[0] ?? {})[0];
  const first = operation === 'PutItem' ? input.Item : (action?.Item ?? action?.Key);
  return JSON.stringify([first?.pk, first?.sk]);
};

/** DynamoDB's answer to a request it refuses: HTTP 400 with the error in its JSON format. */
const answerError = (outgoing: ServerResponse, error: string): void => {
  outgoing.writeHead(400, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': randomUUID() });
  outgoing.end(error);
};

const readBody = async (message: IncomingMessage): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  for await (const chunk of message) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
};

export const startThrottlingProxy = async (target: string): Promise<ThrottlingProxy> => {
  const upstream = new URL(target);
  const agent = new Agent({ keepAlive: true });
  const throttled: Record<string, number> = {};
  const refusalsByItem = new Map<string, number>();
  let policy: ThrottlingPolicy | undefined;
  const refused = new Map<string, number>();
  let refusedText: string | undefined;

  const shouldThrottle = (operation: string, body: Buffer): boolean => {
    if (!policy?.operations.includes(operation) || Math.random() >= policy.rate) return false;
    const item = itemOf(operation, body.toString());
    const refusals = refusalsByItem.get(item) ?? 0;
    if (refusals >= policy.maxPerItem) return false;
    refusalsByItem.set(item, refusals + 1);
    return true;
  };

  const server = createServer((incoming, outgoing) => {
    void (async () => {
      const body = await readBody(incoming);
      const operation = String(incoming.headers['x-amz-target'] ?? '').split('.').pop() ?? '';
      if (refusedText !== undefined && body.includes(refusedText)) {
        const item = itemOf(operation, body.toString());
        refused.set(item, (refused.get(item) ?? 0) + 1);
        answerError(outgoing, itemTooLargeError);
        return;
      }
      if (shouldThrottle(operation, body)) {
        throttled[operation] = (throttled[operation] ?? 0) + 1;
        answerError(outgoing, throttlingError);
        return;
      }
      const forwarded = request({ host: upstream.hostname, port: upstream.port, path: incoming.url, method: incoming.method, headers: incoming.headers, agent }, (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      });
      forwarded.once('error', () => {
        outgoing.writeHead(502).end();
      });
      forwarded.end(body);
    })();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    throttled,
    refused,
    throttle(next) {
      policy = next;
    },
    refuse(text) {
      refusedText = text;
    },
    async stop() {
      const closed = new Promise((resolve) => server.close(resolve));
      server.closeAllConnections();
      agent.destroy();
      await closed;
    },
  };
};
