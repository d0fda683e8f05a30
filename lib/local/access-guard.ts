import { createServer, request as forward, Agent, type IncomingMessage } from 'node:http';
import { Worker } from 'node:worker_threads';
import { grantsOf } from '../definitions/environment.ts';
import { functionNames, type FunctionName, type Grant, type QueueId, type SecretId, type TokenMode, type TopicId } from '../definitions/functions.ts';
import type { TableId } from '../definitions/tables.ts';
import { listeningUrl, loopbackHost } from './address.ts';
import { localCredentials } from './aws.ts';
import { closeServer, readBody } from './http-gateway.ts';
import { presignedAccessKeyId, presignedRefusal } from './presigned-check.ts';

/**
 * IAM, locally: each function signs its AWS calls with an access key of its own, and a guard in
 * front of each stand-in lets a call through only if the function's definition grants it
 * (lib/definitions/functions.ts), so that a function missing a grant fails on a laptop as it
 * would on AWS, with AWS's AccessDenied. Calls signed with any other key (the CLI, the pollers,
 * tests) pass: they stand for the operator and for Lambda's own service roles.
 */

/** DynamoDB Local takes access key ids of letters and digits only. */
const keyPrefix = 'LOCALFUNCTION';

/** The access key a function's SDK signs with locally; its secret is the stand-ins' usual one. */
export const functionAccessKeyId = (name: FunctionName): string => `${keyPrefix}${name.toUpperCase()}`;

const accessKeyIdOf = (authorization: string | undefined): string | undefined => /Credential=([^/,\s]+)\//.exec(authorization ?? '')?.[1];

const asOperator = (authorization: string): string => authorization.replace(/Credential=[^/,\s]+\//, `Credential=${localCredentials.accessKeyId}/`);

/** The function a signed request comes from, if it comes from one. */
export const callerOf = (authorization: string | undefined): FunctionName | undefined => {
  const accessKeyId = accessKeyIdOf(authorization);
  return functionNames.find((name) => accessKeyId === functionAccessKeyId(name));
};

/** The local names of what definitions name: a table's name, a queue's URL, the bucket, each secret's and topic's ARN. */
export interface LocalNames {
  readonly tables: Readonly<Record<TableId, string>>;
  readonly queues: Readonly<Partial<Record<QueueId, string>>>;
  readonly bucket: string;
  readonly secrets: Readonly<Record<SecretId, string>>;
  /** None where nothing publishes (a test of one store): every publish is then refused. */
  readonly topics?: Readonly<Partial<Record<TopicId, string>>>;
}

/** One IAM action on one resource, as a request asks for it. */
export type Access =
  | { readonly action: string; readonly table: TableId | undefined; readonly named: string }
  | { readonly action: string; readonly queue: QueueId | undefined; readonly named: string }
  | { readonly action: string; readonly bucket: boolean; readonly key: string; readonly named: string }
  | { readonly action: string; readonly secret: SecretId | undefined; readonly named: string }
  | { readonly action: string; readonly topic: TopicId | undefined; readonly named: string }
  | { readonly action: string; readonly webSocketConnections: true; readonly named: string }
  | { readonly action: string; readonly anyResource: true; readonly named: string };

export type Service = 'dynamodb' | 'sqs-and-s3' | 'secretsmanager' | 'cloudwatch';

/** The request as the guard sees it. */
export interface GuardedRequest {
  readonly method: string;
  readonly path: string;
  readonly target: string | undefined;
  readonly body: Buffer;
}

const idOf = <Id extends string>(names: Readonly<Partial<Record<Id, string>>>, name: string, same = (a: string, b: string) => a === b): Id | undefined =>
  (Object.entries(names) as [Id, string][]).find(([, local]) => same(local, name))?.[0];

const samePath = (a: string, b: string) => URL.canParse(a) && URL.canParse(b) && new URL(a).pathname === new URL(b).pathname;

const parsed = (body: Buffer): Record<string, unknown> => {
  try {
    return JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>;
  } catch {
    return {};
  }
};

/** DynamoDB's IAM action of each item of a transaction: its own kind's (IAM authorizes each item). */
const transactionActions: Readonly<Record<string, string>> = { Put: 'PutItem', Update: 'UpdateItem', Delete: 'DeleteItem', ConditionCheck: 'ConditionCheckItem', Get: 'GetItem' };
/** SQS's batch calls are authorized as their single kin. */
const sqsActions: Readonly<Record<string, string>> = { SendMessageBatch: 'SendMessage', DeleteMessageBatch: 'DeleteMessage', ChangeMessageVisibilityBatch: 'ChangeMessageVisibility' };
/** So are SNS's. */
const snsActions: Readonly<Record<string, string>> = { PublishBatch: 'Publish' };

/** SNS, which fauxqs serves on the endpoint of SQS and S3, speaks the query protocol: a form naming its Action, posted to the root. */
const isSnsCall = (request: GuardedRequest): boolean => !request.target && request.method === 'POST' && request.path === '/';

/** The IAM actions a call to a stand-in asks for, each on its resource. */
export const accessesOf = (service: Service, request: GuardedRequest, names: LocalNames): Access[] => {
  const operation = request.target?.split('.').at(-1) ?? '';
  const body = () => parsed(request.body);
  const table = (action: string, named: unknown): Access => ({ action: `dynamodb:${action}`, table: idOf(names.tables, String(named)), named: String(named) });
  switch (service) {
    case 'dynamodb': {
      const input = body();
      if (operation === 'TransactWriteItems' || operation === 'TransactGetItems') {
        return ((input.TransactItems ?? []) as Record<string, { TableName?: string }>[]).flatMap((item) =>
          Object.entries(item).map(([kind, { TableName }]) => table(transactionActions[kind] ?? kind, TableName)),
        );
      }
      if (operation === 'BatchWriteItem' || operation === 'BatchGetItem') return Object.keys((input.RequestItems ?? {}) as object).map((name) => table(operation, name));
      return [table(operation, input.TableName)];
    }
    case 'sqs-and-s3': {
      if (request.target) {
        const queueUrl = String(body().QueueUrl ?? '');
        return [{ action: `sqs:${sqsActions[operation] ?? operation}`, queue: idOf(names.queues, queueUrl, samePath), named: queueUrl }];
      }
      if (isSnsCall(request)) {
        const form = new URLSearchParams(request.body.toString('utf8'));
        const action = form.get('Action') ?? '';
        const topicArn = form.get('TopicArn') ?? '';
        return [{ action: `sns:${snsActions[action] ?? action}`, topic: idOf(names.topics ?? {}, topicArn), named: topicArn }];
      }
      // S3, path-style: /<bucket>/<key>.
      const [, bucket = '', ...key] = decodeURIComponent(request.path.split('?')[0] ?? '').split('/');
      const action = request.method === 'PUT' ? 's3:PutObject' : request.method === 'DELETE' ? 's3:DeleteObject' : key.length > 0 ? 's3:GetObject' : 's3:ListBucket';
      return [{ action, bucket: bucket === names.bucket, key: key.join('/'), named: `${bucket}/${key.join('/')}` }];
    }
    case 'secretsmanager': {
      const secretId = String(body().SecretId ?? '');
      // By its ARN, or by its name, which the ARN carries before Secrets Manager's suffix.
      const secret = idOf(names.secrets, secretId, (arn, id) => id === arn || arn.includes(`:secret:${id}-`));
      return [{ action: `secretsmanager:${operation}`, secret, named: secretId }];
    }
    case 'cloudwatch':
      return [{ action: `cloudwatch:${operation}`, anyResource: true, named: '*' }];
  }
};

/** What CDK's grantRead of a secret allows. */
const secretReads = ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'];

/** Whether one grant of a definition allows one access, as the IAM statement CDK makes of it would. */
const allows = (grant: Grant, access: Access): boolean => {
  if ('table' in grant) return 'table' in access && access.table === grant.table && (grant.actions as readonly string[]).includes(access.action);
  if ('queue' in grant) return 'queue' in access && access.queue === grant.queue && (grant.actions as readonly string[]).includes(access.action);
  if ('bucket' in grant) return 'bucket' in access && access.bucket && access.key.startsWith(grant.prefix) && (grant.actions as readonly string[]).includes(access.action);
  if ('secret' in grant) return 'secret' in access && access.secret === grant.secret && secretReads.includes(access.action);
  if ('topic' in grant) return 'topic' in access && access.topic === grant.topic && access.action === 'sns:Publish';
  if ('webSocketConnections' in grant) return access.action === 'execute-api:ManageConnections';
  return grant.anyResource.includes(access.action);
};

/** The first access the function's grants do not allow, with AWS's words for it. */
export const refusalOf = (name: FunctionName, accesses: readonly Access[], tokenMode: TokenMode): string | undefined => {
  const grants = grantsOf(name, tokenMode);
  const denied = accesses.find((access) => !grants.some((grant) => allows(grant, access)));
  return (
    denied &&
    `User: arn:aws:sts::000000000000:assumed-role/${name}/${name} is not authorized to perform: ${denied.action} on resource: ${denied.named} because no identity-based policy allows the ${denied.action} action (its definition in lib/definitions/functions.ts grants no such access)`
  );
};

/** A refused call, for the terminal: one line, as AWS words it; the guard's own stack says nothing about the function. */
export class AccessDenied extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AccessDenied';
    this.stack = `${this.name}: ${message}`;
  }
}

/** AccessDenied, as each service words it. */
const deniedAnswer = (service: Service, request: GuardedRequest, message: string): { statusCode: number; headers: Record<string, string>; body: string } => {
  const escaped = message.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
  if (service === 'sqs-and-s3' && isSnsCall(request)) {
    return {
      statusCode: 403,
      headers: { 'content-type': 'text/xml' },
      body: `<ErrorResponse><Error><Type>Sender</Type><Code>AuthorizationError</Code><Message>${escaped}</Message></Error><RequestId>local</RequestId></ErrorResponse>`,
    };
  }
  if (service === 'sqs-and-s3' && !request.target) {
    return { statusCode: 403, headers: { 'content-type': 'application/xml' }, body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>${escaped}</Message></Error>` };
  }
  return {
    statusCode: 400,
    headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-errortype': 'AccessDeniedException', 'x-amzn-query-error': 'AccessDenied;Sender' },
    body: JSON.stringify({ __type: 'com.amazon.coral.service#AccessDeniedException', message, Message: message }),
  };
};

/** The largest body a guarded call may carry: a 25 MB uploaded file (core/media-limits.ts), and then some. */
const maxBodyBytes = 32 * 1024 * 1024;

export interface AccessGuardOptions {
  readonly host?: string;
  readonly service: Service;
  /** The stand-in behind the guard. */
  readonly target: string;
  readonly names: LocalNames;
  readonly tokenMode: TokenMode;
  onDenied(message: string): void;
}

/** A guard in front of one stand-in: the endpoint the functions are given instead of the stand-in's own. */
export const startAccessGuard = async ({ host = loopbackHost, service, target, names, tokenMode, onDenied }: AccessGuardOptions) => {
  const agent = new Agent({ keepAlive: true });
  const upstream = new URL(target);
  const server = createServer(async (incoming: IncomingMessage, outgoing) => {
    const body = await readBody(incoming, maxBodyBytes);
    if (!body) {
      outgoing.writeHead(413).end();
      return;
    }
    const request: GuardedRequest = { method: incoming.method ?? 'GET', path: incoming.url ?? '/', target: incoming.headers['x-amz-target'] as string | undefined, body };
    // A presigned S3 URL (a browser's upload, a provider fetching a file) acts with its signer's grants, as on AWS.
    const presignedBy = service === 'sqs-and-s3' ? presignedAccessKeyId(request.path) : undefined;
    // The bucket's CORS rule on AWS (an inbox on any origin PUTs to and GETs from a signed URL), answered here.
    const cors = presignedBy === undefined ? {} : { 'access-control-allow-origin': '*' };
    if (presignedBy !== undefined && request.method === 'OPTIONS' && incoming.headers['access-control-request-method']) {
      outgoing.writeHead(204, { ...cors, 'access-control-allow-methods': 'GET, PUT', 'access-control-allow-headers': 'content-type', 'access-control-max-age': '3600' }).end();
      return;
    }
    const badPresign = presignedBy === undefined ? undefined : await presignedRefusal({ method: request.method, path: request.path, headers: incoming.headers }, (id) => localSigningCredentials(id));
    if (badPresign) {
      outgoing.writeHead(403, { ...cors, 'content-type': 'application/xml' }).end(`<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${badPresign.code}</Code><Message>${badPresign.message}</Message></Error>`);
      return;
    }
    const caller = callerOf(incoming.headers.authorization ?? (presignedBy && `Credential=${presignedBy}/`));
    const refusal = caller && refusalOf(caller, accessesOf(service, request, names), tokenMode);
    if (refusal) {
      onDenied(refusal);
      const answer = deniedAnswer(service, request, refusal);
      outgoing.writeHead(answer.statusCode, answer.headers).end(answer.body);
      return;
    }
    // Passed on as the operator's own call: DynamoDB Local keeps a database per access key, and
    // the stand-ins check no signature.
    const headers = { ...incoming.headers, ...(incoming.headers.authorization && { authorization: asOperator(incoming.headers.authorization) }) };
    const proxied = forward({ agent, host: upstream.hostname, port: upstream.port, method: request.method, path: request.path, headers }, (answer) => {
      outgoing.writeHead(answer.statusCode ?? 502, { ...answer.headers, ...cors });
      answer.pipe(outgoing);
    });
    proxied.on('error', () => outgoing.headersSent || outgoing.writeHead(502).end());
    proxied.end(body);
  });
  server.listen(0, host);
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  return {
    endpoint: listeningUrl('http', server),
    stop: async () => {
      await closeServer(server);
      agent.destroy();
    },
  };
};

/** The credentials a local access key signs with: the operator's own, or a function's. */
export const localSigningCredentials = (accessKeyId: string): { accessKeyId: string; secretAccessKey: string } | undefined =>
  accessKeyId === localCredentials.accessKeyId || callerOf(`Credential=${accessKeyId}/`) ? { accessKeyId, secretAccessKey: localCredentials.secretAccessKey } : undefined;

/** Why a function may not post to or close WebSocket connections, if it may not. */
export const connectionsRefusal = (authorization: string | undefined, tokenMode: TokenMode): string | undefined => {
  const caller = callerOf(authorization);
  return caller && refusalOf(caller, [{ action: 'execute-api:ManageConnections', webSocketConnections: true, named: '@connections' }], tokenMode);
};

/** The stand-ins a function reaches, each behind a guard of its own. */
export interface GuardedEndpoints {
  readonly dynamodb: string;
  readonly sqs: string;
  readonly cloudwatch: string;
  readonly secretsManager: string;
}

export type AccessGuardsOptions = Omit<AccessGuardOptions, 'service' | 'target'> & { readonly targets: GuardedEndpoints };

/** A guard in front of each stand-in: the endpoints the functions are given instead of the stand-ins' own. */
export const startAccessGuards = async ({ targets, ...options }: AccessGuardsOptions) => {
  const services: Readonly<Record<keyof GuardedEndpoints, Service>> = { dynamodb: 'dynamodb', sqs: 'sqs-and-s3', cloudwatch: 'cloudwatch', secretsManager: 'secretsmanager' };
  const guards = await Promise.all(
    (Object.keys(services) as (keyof GuardedEndpoints)[]).map(async (name) => [name, await startAccessGuard({ ...options, service: services[name], target: targets[name] })] as const),
  );
  return {
    endpoints: Object.fromEntries(guards.map(([name, guard]) => [name, guard.endpoint])) as unknown as GuardedEndpoints,
    stop: async () => {
      for (const [, guard] of guards) await guard.stop();
    },
  };
};

/** The guards, in a thread of their own (access-guard-thread.ts); `onDenied` is told of each refusal here. */
export const startAccessGuardsThread = async ({ onDenied, ...options }: AccessGuardsOptions) => {
  const thread = new Worker(new URL('./access-guard-thread.ts', import.meta.url), { workerData: options });
  const endpoints = await new Promise<GuardedEndpoints>((resolve, reject) => {
    thread.on('message', (message: { endpoints: GuardedEndpoints } | { denied: string }) => ('denied' in message ? onDenied(message.denied) : resolve(message.endpoints)));
    thread.once('error', reject);
    thread.once('exit', (code) => reject(new Error(`the access guards' thread exited (${code}) before it listened`)));
  });
  return {
    endpoints,
    stop: async () => {
      await thread.terminate();
    },
  };
};
