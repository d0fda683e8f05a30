import { marshall } from '@aws-sdk/util-dynamodb';
import type { APIGatewayProxyEvent, DynamoDBStreamEvent, SQSEvent, SQSRecord } from 'aws-lambda';
import { spawn } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createBodyStore } from '../../functions/adapters/body-store.ts';
import { createConnectionStore } from '../../functions/adapters/connection-store.ts';
import { sealCredentials, sendKeyOf } from '../../functions/adapters/credential-box.ts';
import { createEndpointStore } from '../../functions/adapters/endpoint-store.ts';
import { createFeedWriter } from '../../functions/adapters/feed-store.ts';
import { createMessageStore } from '../../functions/adapters/message-store.ts';
import { createOutboxStore } from '../../functions/adapters/outbox-store.ts';
import type { SendRecord } from '../../functions/adapters/send-queue.ts';
import { acceptSend, maxWaitSeconds as maxSendWaitSeconds, type AcceptDependencies } from '../../functions/core/accept.ts';
import { acknowledge, webhookUrl } from '../../functions/core/ack.ts';
import { broadcastConcurrency } from '../../functions/core/broadcast.ts';
import type { Endpoint } from '../../functions/core/endpoint.ts';
import type { Envelope } from '../../functions/core/envelope.ts';
import { publishFrames, type FeedRecord } from '../../functions/core/feed.ts';
import { conversationIdFor } from '../../functions/core/ids.ts';
import { frameFor, maxFrameBytes } from '../../functions/core/frames.ts';
import { messageItem } from '../../functions/core/items.ts';
import { defaultMediaLimits, withPendingMedia } from '../../functions/core/media.ts';
import type { MediaItem } from '../../functions/core/message.ts';
import { maxStoredTextBytes } from '../../functions/core/process.ts';
import { maxWaitSeconds, pageLimits } from '../../functions/core/query.ts';
import { sendTimings } from '../../functions/core/send.ts';
import type { OutboundMessage } from '../../functions/core/sending-items.ts';
import { issueToken } from '../../functions/core/tokens.ts';
import { rfc5322Date } from '../../functions/providers/email/dates.ts';
import { encodeFormData, type FormField } from '../../functions/providers/email/form.ts';
import { signedTokenFields } from '../../functions/providers/mailgun/sample.ts';
import { findEdge, loadProvider } from '../../functions/providers/registry.ts';
import { inboundParseRequest } from '../../functions/providers/sendgrid/sample.ts';
import { correlationParam } from '../../functions/providers/twilio/status-callback.ts';
import { providerApiBaseUrls } from '../../lib/config.ts';
import { functionDefinitions, type FunctionName } from '../../lib/definitions/functions.ts';
import { broadcasterSettings, maxInlineBodyBytes, maxWebhookBodyBytes, processorSettings } from '../../lib/definitions/pipeline.ts';
import { localCredentials, localRegion } from '../../lib/local/aws.ts';
import { startTwilioApiStandIn } from '../../lib/local/provider-standins/twilio-api.ts';
import { localEnvironmentOf } from '../../lib/local/stack.ts';
import { lambdaEvent, webhookEvent } from '../helpers/events.ts';
import { aConversationKey, anEndpoint, aStoredMessage } from '../helpers/factories.ts';
import { providerCredentials } from '../helpers/provider-credentials.ts';
import { wiredSending, type QueuedRecord } from '../helpers/sending-dependencies.ts';
import { openSocket, type RecordingSocket } from '../helpers/sockets.ts';
import { inParallel } from '../helpers/traffic.ts';
import { paddedSample } from './ack-hot-path.ts';
import { buildBundles, handlerNames } from './bundles.ts';
import { aPhoto } from './media-files.ts';
import { startS3Sink } from './s3-sink.ts';
import { countStoredMessages } from './messages.ts';
import { startStandIns } from './stand-ins.ts';
import { median, round } from './stats.ts';

/**
 * What each function needs of Lambda. Every function runs in a fresh `node` from its bundle,
 * built exactly as bundles.ts (and so the CDK) builds it, with Lambda's own V8 heap flags for
 * its memory size and the environment it is deployed with (X-Ray tracing on, logs at INFO,
 * metrics on), against the local stand-ins: DynamoDB Local, fauxqs (SQS and S3), the
 * CloudWatch stand-in and the local WebSocket gateway's @connections API. It is handed its
 * worst-case input twice (a cold and a warm invocation); the figures are its memory right
 * after import and at peak, and how long each invocation took and how much CPU it used. From
 * those, one rule (`sizing`, `recommend`) gives the memory and timeout to deploy it with.
 */

// ——— The rule ———————————————————————————————————————————————————————————————————————————

/** How figures become a memory size and a timeout: stated once, here; the README's table is its output. */
export const sizing = {
  /** Memory is chosen in these steps: coarse enough to read, fine enough not to waste. */
  stepMb: 128,
  /**
   * Peak RSS times this: room for a garbage collection that runs later than it did here, a
   * larger mail than the bench's, and Lambda's runtime client beside the handler.
   */
  headroom: 2,
  /**
   * No function gets less: Lambda's CPU share grows with memory, and 256 MB is already only a
   * seventh of a vCPU, for a saving of fractions of a cent below it.
   */
  floorMb: 256,
  /** Lambda gives one full vCPU at this size, and a proportional share below it. */
  fullVcpuMb: 1769,
  /**
   * The ack answers providers while they wait, and every webhook goes through it. A warm ack of
   * a common webhook may spend this long on Lambda's CPU share: past it, every ack waits on a
   * fraction of a CPU; below it, doubling the memory would save under 5 ms.
   */
  ackCommonCaseCpuBudgetMs: 10,
  /** And its worst case (the largest body) still answers within WhatsApp's tail bound: under 1% of acks over 1 s (DESIGN §9). */
  ackWorstCaseBudgetMs: 1000,
  /**
   * The timeout covers the projected worst case this many times over: cold connections, a
   * busier region, a larger input than the bench's.
   */
  timeoutFactor: 3,
  /**
   * Plus the SDK's own retries on every call the invocation makes one after another: standard
   * mode makes three attempts, with up to 1 s and then 2 s of backoff after a throttle
   * (@smithy/core's retry strategy, 2026 defaults).
   */
  retryBackoffSecondsPerCall: 3,
  /** Timeouts are chosen in whole steps of this many seconds. */
  timeoutStepSeconds: 5,
  /**
   * API Gateway (REST and WebSocket) stops waiting at 29 s: a second less leaves the answer time
   * to travel back, and a longer timeout only bills work nobody receives.
   */
  apiTimeoutCapSeconds: 28,
} as const;

/** How a function is invoked: an API's caller waits for it, a queue, stream or schedule does not. */
export type Caller = 'api' | 'queue' | 'stream' | 'schedule';

/**
 * What one input costs: the CPU time of its costliest invocation (the cold one, as a rule), and
 * the least time any of its invocations spent waiting. The rest of the wait, on the bench's
 * shared machine, is other processes' CPU (the stand-ins', the load generator's), which on AWS
 * is other machines'.
 */
export interface Cost {
  readonly cpuMs: number;
  readonly waitMs: number;
}

export const costOf = (invocations: readonly { cpuMs: number; wallMs: number }[]): Cost => ({
  cpuMs: Math.max(...invocations.map((invocation) => invocation.cpuMs)),
  waitMs: Math.min(...invocations.map((invocation) => Math.max(0, invocation.wallMs - invocation.cpuMs))),
});

export interface SizingInput {
  readonly name: string;
  readonly caller: Caller;
  /** The highest peak RSS of its scenarios, in MB (10^6 bytes). */
  readonly peakRssMb: number;
  /** What each of its inputs costs; the slowest on Lambda's CPU share decides. */
  readonly costs: readonly Cost[];
  /** AWS calls that wait on one another in one invocation (one record's path for a batch), each of which may retry. */
  readonly chainedCalls: number;
  /** A timeout the function's own design needs (the query's long-poll), in seconds. */
  readonly designTimeoutSeconds?: number;
  /** The ack: the median CPU time of a warm ack of a common webhook, in its steady state, which `sizing.ackCommonCaseCpuBudgetMs` bounds. */
  readonly commonCaseCpuMs?: number;
}

export interface Recommendation {
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
  /** The worst case's duration on Lambda's CPU share at `memoryMb`. */
  readonly projectedWorstMs: number;
  /** Why this memory and this timeout, in the rule's terms, with the figures that decided. */
  readonly memoryReason: string;
  readonly timeoutReason: string;
}

const roundUpTo = (value: number, step: number) => Math.ceil(value / step) * step;
const cpuShare = (memoryMb: number) => Math.max(1, sizing.fullVcpuMb / memoryMb);
const seconds = (ms: number) => `${round(ms / 1000, 2)} s`;

/**
 * An input's duration on Lambda at `memoryMb`: its CPU time stretched by the CPU share
 * (single-threaded work gains nothing past one vCPU), plus its wait. It assumes a Lambda vCPU
 * does the work of one core of the machine the bench ran on.
 */
export const projectedMs = ({ cpuMs, waitMs }: Cost, memoryMb: number): number => cpuMs * cpuShare(memoryMb) + waitMs;

export const recommend = (input: SizingInput): Recommendation => {
  const byHeadroom = roundUpTo(sizing.headroom * input.peakRssMb, sizing.stepMb);
  let memoryMb = Math.max(sizing.floorMb, byHeadroom);
  let memoryReason = byHeadroom > sizing.floorMb ? `${sizing.headroom} × ${input.peakRssMb} MB peak RSS` : `the floor (${sizing.headroom} × ${input.peakRssMb} MB peak RSS is less)`;
  const worstMs = () => Math.max(...input.costs.map((cost) => projectedMs(cost, memoryMb)));
  const ackTooSlow = () =>
    worstMs() > sizing.ackWorstCaseBudgetMs ||
    (input.commonCaseCpuMs !== undefined && input.commonCaseCpuMs * cpuShare(memoryMb) > sizing.ackCommonCaseCpuBudgetMs);
  if (input.commonCaseCpuMs !== undefined) {
    while (ackTooSlow() && memoryMb < sizing.fullVcpuMb) memoryMb += sizing.stepMb;
    memoryReason = `ack latency: a warm common ack's ${input.commonCaseCpuMs} ms of CPU takes ${round(input.commonCaseCpuMs * cpuShare(memoryMb), 2)} ms (≤ ${sizing.ackCommonCaseCpuBudgetMs}), the largest body ${seconds(worstMs())} (≤ ${seconds(sizing.ackWorstCaseBudgetMs)}); peak RSS ${input.peakRssMb} MB`;
  }
  const projectedWorstMs = worstMs();
  const needed = roundUpTo((sizing.timeoutFactor * projectedWorstMs) / 1000 + sizing.retryBackoffSecondsPerCall * input.chainedCalls, sizing.timeoutStepSeconds);
  let timeoutSeconds = needed;
  let timeoutReason = `${sizing.timeoutFactor} × ${seconds(projectedWorstMs)} worst case + ${input.chainedCalls} chained calls × ${sizing.retryBackoffSecondsPerCall} s of retries`;
  if (input.designTimeoutSeconds !== undefined && input.designTimeoutSeconds > timeoutSeconds) {
    timeoutSeconds = input.designTimeoutSeconds;
    timeoutReason = `its design (${input.designTimeoutSeconds} s) needs more than ${timeoutReason}`;
  }
  if (input.caller === 'api' && timeoutSeconds > sizing.apiTimeoutCapSeconds) {
    timeoutReason = `API Gateway's 29 s, less a second (${timeoutReason} would be ${timeoutSeconds} s)`;
    timeoutSeconds = sizing.apiTimeoutCapSeconds;
  }
  return { memoryMb, timeoutSeconds, projectedWorstMs: Math.round(projectedWorstMs), memoryReason, timeoutReason };
};

// ——— One function in a fresh process ————————————————————————————————————————————————————

/**
 * V8's heap limits as Lambda's Node.js bootstrap sets them for a memory size: a tenth for the
 * young generation, the rest for the old.
 */
export const lambdaNodeFlags = (memoryMb: number): string[] => {
  const newSpace = Math.floor(memoryMb / 10);
  return ['--expose-gc', '--max-http-header-size', '81920', `--max-semi-space-size=${Math.floor(newSpace / 2)}`, `--max-old-space-size=${memoryMb - newSpace}`];
};

/**
 * Runs in the child: imports the bundle, then for each event file reads and parses the event
 * (as Lambda's runtime client does), invokes the handler with a Lambda context and serializes
 * its answer. Peak RSS is the kernel's high-water mark (sampled where there is no /proc); heap
 * and external memory are sampled every 2 ms.
 */
const childScript = `
import { readFileSync, writeFileSync } from 'node:fs';
const [bundle, resultFile, functionName, memoryMb, timeoutMs, ...eventFiles] = process.argv.slice(1);
const memory = () => { const { rss, heapUsed, external } = process.memoryUsage(); return { rss, heapUsed, external }; };
// The kernel's high-water mark of this process's own memory map. Not getrusage's maxRSS, which
// Linux carries over from the parent that forked this process, bench stand-ins and all.
let sampledRss = 0;
const peakRss = () => {
  try {
    return Number(/^VmHWM:\\s+(\\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'))[1]) * 1024;
  } catch {
    return Math.max(sampledRss, process.memoryUsage.rss());
  }
};
const beforeImport = memory();
const importStart = performance.now();
const { handler } = await import(bundle);
const importMs = performance.now() - importStart;
const afterImport = { ...memory(), peakRss: peakRss() };
let peakHeapUsed = afterImport.heapUsed;
let peakExternal = afterImport.external;
const sample = () => { const now = memory(); sampledRss = Math.max(sampledRss, now.rss); peakHeapUsed = Math.max(peakHeapUsed, now.heapUsed); peakExternal = Math.max(peakExternal, now.external); };
const sampler = setInterval(sample, 2);
const invocations = [];
for (const file of eventFiles) {
  const requestId = crypto.randomUUID();
  process.env._X_AMZN_TRACE_ID = 'Root=1-' + Math.floor(Date.now() / 1000).toString(16) + '-' + requestId.replaceAll('-', '').slice(0, 24) + ';Parent=' + requestId.replaceAll('-', '').slice(8, 24) + ';Sampled=1';
  const cpu = process.cpuUsage();
  const start = performance.now();
  const deadline = Date.now() + Number(timeoutMs);
  const event = JSON.parse(readFileSync(file, 'utf8'));
  sample();
  const context = {
    callbackWaitsForEmptyEventLoop: true, functionName, functionVersion: '$LATEST', memoryLimitInMB: memoryMb,
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:' + functionName, awsRequestId: requestId,
    logGroupName: '/aws/lambda/' + functionName, logStreamName: 'footprint', getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done() {}, fail() {}, succeed() {},
  };
  const result = await handler(event, context);
  const answer = JSON.stringify(result ?? null);
  const wallMs = performance.now() - start;
  const used = process.cpuUsage(cpu);
  sample();
  invocations.push({
    wallMs, cpuMs: (used.user + used.system) / 1000, answerBytes: answer.length,
    statusCode: result?.statusCode, bodyBytes: typeof result?.body === 'string' ? result.body.length : undefined,
    batchItemFailures: Array.isArray(result?.batchItemFailures) ? result.batchItemFailures.length : undefined,
    counts: result && typeof result === 'object' ? Object.fromEntries(Object.entries(result).filter(([, value]) => typeof value === 'number')) : undefined,
  });
}
clearInterval(sampler);
writeFileSync(resultFile, JSON.stringify({ importMs, beforeImport, afterImport, afterRun: memory(), peakRss: peakRss(), peakHeapUsed, peakExternal, invocations }));
// A warm Lambda sandbox is frozen, not ended: the SDK's open connections would keep this process alive.
process.exit(0);
`;

interface ChildInvocation {
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly answerBytes: number;
  readonly statusCode?: number;
  readonly bodyBytes?: number;
  readonly batchItemFailures?: number;
  /** The answer's numeric fields (the reconciler's counts). */
  readonly counts?: Readonly<Record<string, number>>;
}

interface ChildMemory {
  readonly rss: number;
  readonly heapUsed: number;
  readonly external: number;
}

interface ChildResult {
  readonly importMs: number;
  readonly beforeImport: ChildMemory;
  readonly afterImport: ChildMemory & { readonly peakRss: number };
  readonly afterRun: ChildMemory;
  readonly peakRss: number;
  readonly peakHeapUsed: number;
  readonly peakExternal: number;
  readonly invocations: ChildInvocation[];
}

/** The last few KB a child wrote, for the error when it fails. */
const tail = (stream: NodeJS.ReadableStream | null) => {
  let text = '';
  stream?.on('data', (chunk: Buffer) => (text = (text + chunk.toString()).slice(-4000)));
  return () => text;
};

const runChild = async (options: {
  bundle: string;
  functionName: string;
  memoryMb: number;
  timeoutMs: number;
  eventFiles: string[];
  workDir: string;
  env: Record<string, string>;
  signal?: AbortSignal;
}): Promise<ChildResult> => {
  const resultFile = join(options.workDir, `result-${randomUUID()}.json`);
  const child = spawn(
    process.execPath,
    [
      ...lambdaNodeFlags(options.memoryMb),
      '--input-type=module',
      '-e',
      childScript,
      options.bundle,
      resultFile,
      options.functionName,
      String(options.memoryMb),
      String(options.timeoutMs),
      ...options.eventFiles,
    ],
    { cwd: options.workDir, env: options.env, stdio: ['ignore', 'pipe', 'pipe'], ...(options.signal && { signal: options.signal }) },
  );
  const stdout = tail(child.stdout);
  const stderr = tail(child.stderr);
  const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
  try {
    const [code, signal] = (await once(child, 'exit')) as [number | null, string | null];
    if (code !== 0) throw new Error(`${options.functionName} exited with ${code ?? signal}:\n${stderr()}\n${stdout()}`);
    return JSON.parse(await readFile(resultFile, 'utf8')) as ChildResult;
  } finally {
    clearTimeout(timer);
    await rm(resultFile, { force: true });
  }
};

// ——— Worst-case inputs ———————————————————————————————————————————————————————————————————

const crlf = '\r\n';
const tenantId = 'bench-footprint';
/** DynamoDB returns at most 1 MB of items per Query, whatever its Limit. */
const dynamoQueryPageBytes = 1024 * 1024;
const publicBaseUrl = 'https://hooks.example.com';

/** One paragraph of an HTML mail as Outlook writes it: quoted-printable, soft line breaks, `=3D` in every attribute. */
const htmlParagraph = [
  '<p class=3D"MsoNormal" style=3D"margin:0cm;font-size:11pt;font-family:Calib=',
  'ri,sans-serif">Hello, your order #1042 has shipped =E2=80=94 the tracking num=',
  'ber and the invoice are attached. Reply here if anything is missing.<o:p></o=',
  ':p></p>',
  '<table class=3D"MsoNormalTable" border=3D"0" cellpadding=3D"0"><tr><td style=',
  '=3D"padding:4px">Blue jacket, size M</td><td>1</td><td>&euro;89.00</td></tr>=',
  '</table>',
  '',
].join(crlf);

const base64Lines = (bytes: Buffer) => bytes.toString('base64').replace(/.{76}/g, `$&${crlf}`);

/**
 * A raw MIME mail: an HTML-only body (so the processor renders it to text), quoted-printable,
 * about a fifth of `approximateBytes`, a photo, and a PDF of `pdfBytes`; `padding` fills a
 * header so the whole request can be made an exact size.
 */
const mimeMail = (approximateBytes: number, pdfBytes: number, padding: string, { from, now }: { from: string; now: Date }): Buffer => {
  const boundary = '----=_NextPart_000_0012_01DB3C4F.5A1B2C30';
  const attachment = (type: string, filename: string, bytes: number) =>
    [`--${boundary}`, `Content-Type: ${type}; name="${filename}"`, `Content-Disposition: attachment; filename="${filename}"`, 'Content-Transfer-Encoding: base64', '', base64Lines(randomBytes(bytes))].join(crlf);
  return Buffer.from(
    [
      `From: ${from}`,
      'To: support@inbound.example.com',
      'Subject: Order #1042: photos of the parcel and the invoice',
      `Date: ${rfc5322Date(now)}`,
      `Message-ID: <${randomUUID()}@mail.example.net>`,
      'MIME-Version: 1.0',
      `X-Padding: ${padding}`,
      `Content-Type: multipart/mixed; boundary="${boundary}"`,
      '',
      `--${boundary}`,
      'Content-Type: text/html; charset="utf-8"',
      'Content-Transfer-Encoding: quoted-printable',
      '',
      '<html><head><style>p.MsoNormal{margin:0cm}</style></head><body lang=3D"EN-US">',
      htmlParagraph.repeat(Math.floor(approximateBytes / 5 / htmlParagraph.length)),
      '</body></html>',
      attachment('image/jpeg', 'parcel.jpg', Math.floor(approximateBytes * 0.3)),
      attachment('application/pdf', 'invoice-1042.pdf', pdfBytes),
      `--${boundary}--`,
      '',
    ].join(crlf),
  );
};

/** A request body of exactly `bytes`: the PDF fills most of the gap, the padding header the rest. */
const exactly = (bytes: number, request: (pdfBytes: number, padding: string) => Buffer): Buffer => {
  const bare = request(0, '').length;
  const pdfBytes = Math.max(0, Math.floor((bytes - bare - 200) / 78) * 57);
  const gap = bytes - request(pdfBytes, '').length;
  if (gap < 0) throw new Error(`cannot make a request of ${bytes} bytes`);
  const body = request(pdfBytes, 'x'.repeat(gap));
  if (body.length !== bytes) throw new Error(`made a request of ${body.length} bytes, not ${bytes}`);
  return body;
};

/**
 * Each mail from a sender of its own: mails of one conversation stored at the same moment
 * contend for its item and retry, which is the throughput bench's business, not this one's.
 */
const newSender = () => `customer-${randomBytes(4).toString('hex')}@example.net`;

/** SendGrid Inbound Parse with "POST the raw, full MIME message": the mail in `email`. */
const sendgridRawMail = (bytes: number) => {
  const mail = { from: newSender(), now: new Date() };
  const credential = providerCredentials.sendgrid?.secret ?? '';
  const fields = (pdfBytes: number, padding: string): FormField[] =>
    [
      ['to', 'support@inbound.example.com'],
      ['from', mail.from],
      ['subject', 'Order #1042: photos of the parcel and the invoice'],
      ['envelope', JSON.stringify({ to: ['support@inbound.example.com'], from: mail.from })],
      ['charsets', JSON.stringify({ to: 'UTF-8', from: 'UTF-8', subject: 'UTF-8' })],
      ['dkim', '{@example.net : pass}'],
      ['SPF', 'pass'],
      ['sender_ip', '203.0.113.25'],
    ]
      .map(([name, value]): FormField => ({ name: name ?? '', bytes: Buffer.from(value ?? '') }))
      .concat({ name: 'email', bytes: mimeMail(bytes, pdfBytes, padding, mail) });
  const body = exactly(bytes, (pdfBytes, padding) => inboundParseRequest(fields(pdfBytes, padding), credential).body);
  return { body, headers: inboundParseRequest([], credential).headers };
};

/** A Mailgun route forward() to a URL ending in `mime`: the mail in `body-mime`, signed with a fresh token. */
const mailgunMimeRoute = (bytes: number) => {
  const mail = { from: newSender(), now: new Date() };
  const boundary = randomBytes(16).toString('hex');
  const signed = signedTokenFields(providerCredentials.mailgun?.secret ?? '', mail.now);
  const fields = (pdfBytes: number, padding: string): FormField[] =>
    [
      ['recipient', 'support@inbound.example.com'],
      ['sender', mail.from],
      ['from', mail.from],
      ['subject', 'Order #1042: photos of the parcel and the invoice'],
      ...Object.entries(signed),
    ]
      .map(([name, value]): FormField => ({ name: name ?? '', bytes: Buffer.from(value ?? '') }))
      .concat({ name: 'body-mime', bytes: mimeMail(bytes, pdfBytes, padding, mail) });
  return { body: exactly(bytes, (pdfBytes, padding) => encodeFormData(fields(pdfBytes, padding), boundary)), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
};

/** The REST proxy event for a GET on a route of the query or health API. */
const apiGetEvent = (resource: string, path: string, options: { pathParameters?: Record<string, string>; query?: Record<string, string>; token?: string } = {}): APIGatewayProxyEvent => {
  const event = lambdaEvent<APIGatewayProxyEvent>('ack-twilio.json');
  const headers = { Host: 'api.example.com', ...(options.token && { Authorization: `Bearer ${options.token}` }) };
  return {
    ...event,
    resource,
    path,
    httpMethod: 'GET',
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, [value]])),
    pathParameters: options.pathParameters ?? null,
    queryStringParameters: options.query ?? null,
    multiValueQueryStringParameters: options.query ? Object.fromEntries(Object.entries(options.query).map(([name, value]) => [name, [value]])) : null,
    body: null,
    isBase64Encoded: false,
    requestContext: { ...event.requestContext, resourcePath: resource, httpMethod: 'GET', requestId: randomUUID() },
  };
};

/** A WebSocket route's event, as API Gateway sends it to $connect, $disconnect and $default. */
const socketEvent = (routeKey: string, connectionId: string, overrides: Partial<APIGatewayProxyEvent> = {}): APIGatewayProxyEvent => {
  const event = lambdaEvent<APIGatewayProxyEvent>('connect.json');
  const eventType = routeKey === '$connect' ? 'CONNECT' : routeKey === '$disconnect' ? 'DISCONNECT' : 'MESSAGE';
  return {
    ...event,
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    ...overrides,
    requestContext: { ...event.requestContext, routeKey, eventType, connectionId, requestId: randomUUID(), requestTimeEpoch: Date.now() },
  };
};

/** The SQS event Lambda hands a queue's function (the processor's by default) for these queued bodies. */
const sqsEvent = (bodies: readonly string[], queueArn: string, { sample = 'processor-sqs.json', messageGroupId = tenantId } = {}): SQSEvent => {
  const [template] = lambdaEvent<SQSEvent>(sample).Records;
  if (!template) throw new Error(`events/lambda/${sample} has no record`);
  const now = String(Date.now());
  return {
    Records: bodies.map(
      (body): SQSRecord => ({
        ...template,
        messageId: randomUUID(),
        receiptHandle: randomBytes(64).toString('base64'),
        body,
        attributes: { ...template.attributes, ApproximateReceiveCount: '1', SentTimestamp: now, ApproximateFirstReceiveTimestamp: now, MessageGroupId: messageGroupId },
        md5OfBody: createHash('md5').update(body).digest('hex'),
        eventSourceARN: queueArn,
      }),
    ),
  };
};

/** A message whose frame is as large as a WebSocket frame may be, so every send carries the most the socket can. */
const largestFramedMessage = (index: number) => {
  const key = aConversationKey({ tenantId, customerAddress: `+1415555${String(1000 + (index % 50)).padStart(4, '0')}` });
  const message = (text: string) => aStoredMessage({ providerMessageId: `SMfootprint${index}`, text, tenantId, storedAt: new Date().toISOString() }, key);
  const frameBytes = (text: string) => {
    const frame = frameFor({ eventName: 'INSERT', newImage: messageItem(message(text)) });
    return frame ? Buffer.byteLength(JSON.stringify(frame)) : 0;
  };
  return message('y'.repeat(maxFrameBytes - frameBytes('') - 64));
};

/** The stream event Lambda hands a Messages stream consumer for these newly stored items. */
const streamEventOf = (items: readonly ReturnType<typeof messageItem>[]): DynamoDBStreamEvent => {
  const [template] = lambdaEvent<DynamoDBStreamEvent>('broadcaster-stream.json').Records;
  if (!template?.dynamodb) throw new Error('events/lambda/broadcaster-stream.json has no record');
  return {
    Records: items.map((item, index) => {
      const image = marshall(item, { removeUndefinedValues: true }) as unknown as NonNullable<NonNullable<typeof template.dynamodb>['NewImage']>;
      return {
        ...template,
        eventID: randomUUID(),
        eventName: 'INSERT' as const,
        dynamodb: { ...template.dynamodb, Keys: { pk: { S: item.pk }, sk: { S: item.sk } }, NewImage: image, SequenceNumber: String(index + 1).padStart(24, '0'), SizeBytes: JSON.stringify(image).length },
      };
    }),
  };
};

const streamEvent = (records: number): DynamoDBStreamEvent => streamEventOf(Array.from({ length: records }, (_, index) => messageItem(largestFramedMessage(index))));

/** The send API's longest text and most media items (functions/core/accept.ts): WhatsApp's and Twilio's 4,096 characters, Twilio's 10 media. */
const longestSendText = 4096;
const mostMediaItems = 10;
/** Files the media function fetches at once across a batch: functions/media/handler.ts's fetchConcurrency, which it does not export. */
const mediaFetchConcurrency = 8;
/** Twilio refuses a longer body with error 21617 (https://www.twilio.com/docs/api/errors/21617), and so does its stand-in. */
const twilioLongestBody = 1600;

/** `length` characters of an agent's reply, as a person writes them rather than one letter repeated. */
const replyText = (length: number) => 'Thanks for the photos. The replacement ships today from our Leeds warehouse; the tracking number follows. '.repeat(Math.ceil(length / 100)).slice(0, length);

const sendMedia = Array.from({ length: mostMediaItems }, (_, index) => ({ url: `https://media.example.com/order-1042/photo-${index + 1}.jpg`, contentType: 'image/jpeg' }));

/** The bench's Twilio account: the stand-in knows it by its Auth Token, which is also its endpoint's webhook secret, as on Twilio. */
const twilioAccount = { accountSid: `AC${'0f'.repeat(16)}`, authToken: providerCredentials.twilio?.secret ?? '' };

/** POST /conversations/{id}/messages?wait=…, as API Gateway hands it to the send function. */
const sendReplyEvent = (conversationId: string, token: string, body: unknown, waitSeconds: number): APIGatewayProxyEvent => {
  const event = lambdaEvent<APIGatewayProxyEvent>('send-reply.json');
  const path = `/conversations/${conversationId}/messages`;
  const headers = { ...event.headers, Authorization: `Bearer ${token}`, 'Idempotency-Key': randomUUID() };
  const query = { wait: String(waitSeconds) };
  return {
    ...event,
    path,
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, [value ?? '']])),
    pathParameters: { id: conversationId },
    queryStringParameters: query,
    multiValueQueryStringParameters: { wait: [query.wait] },
    body: JSON.stringify(body),
    requestContext: { ...event.requestContext, path, requestId: randomUUID(), requestTimeEpoch: Date.now() },
  };
};

// ——— The bench step ——————————————————————————————————————————————————————————————————————

/** What a scenario's invocations must have answered, or the figures are of a failure. */
type Expectation =
  | { readonly statusCode: number; readonly minBodyBytes?: number }
  | { readonly batchItemFailures: 0 }
  /** At least these counts in the answer. */
  | { readonly atLeast: Readonly<Record<string, number>> };

interface Scenario {
  readonly handler: FunctionName;
  readonly caller: Caller;
  /** The worst case, in words, for the table. */
  readonly input: string;
  readonly chainedCalls: number;
  readonly designTimeoutSeconds?: number;
  /** Invocations in the one process, the first cold; 2 unless a median of warm ones is wanted. */
  readonly invocations?: number;
  /** The ack's common webhook: the median CPU time of its steady state (the later half of its invocations) bounds the ack's memory. */
  readonly commonCase?: true;
  readonly expect: Expectation;
  /** The event of the `run`th invocation (0, 1, …); each may be new, so no run meets another's duplicates. */
  event(run: number): Promise<unknown>;
  /** Checks what the invocations did beyond their answer (stored, pushed), throwing when it falls short. */
  verify?(invocations: number): Promise<string>;
  /** Variables beside the function's own environment: an endpoint of the bench's instead of a stand-in's. */
  readonly environment?: Readonly<Record<string, string>>;
}

export interface ScenarioFigures {
  readonly handler: string;
  readonly input: string;
  readonly memoryMb: number;
  readonly importMs: number;
  readonly rssBeforeImportMb: number;
  readonly rssAfterImportMb: number;
  readonly heapAfterImportMb: number;
  readonly peakRssMb: number;
  readonly peakHeapUsedMb: number;
  readonly peakExternalMb: number;
  readonly rssAfterRunMb: number;
  readonly invocations: { readonly wallMs: number; readonly cpuMs: number; readonly answerBytes: number }[];
  readonly cost: Cost;
  readonly verified?: string;
}

export interface FunctionFootprint {
  readonly name: string;
  readonly sizing: SizingInput;
  readonly recommendation: Recommendation;
  /** The same scenarios again, under the recommended memory's heap limits, when it differs from the measured size. */
  readonly confirmation?: { readonly memoryMb: number; readonly peakRssMb: number; readonly fits: boolean; readonly worstWallMs: number };
}

export interface FootprintResult {
  /** The size whose V8 flags the scenarios ran under: HandlerFunction's default. */
  readonly measuredAtMb: number;
  /** Invocations per scenario unless it asks for more: the first cold, the rest warm. */
  readonly invocationsPerScenario: number;
  readonly sizing: typeof sizing;
  readonly scenarios: ScenarioFigures[];
  readonly functions: FunctionFootprint[];
  readonly xraySegments: number;
  readonly seconds: number;
}

const mb = (bytes: number) => round(bytes / 1e6);

/** Lambda's environment beside the function's own: tracing on, as deployed, and the runtime's variables. */
const lambdaEnvironment = (functionName: string, memoryMb: number, taskRoot: string, xrayDaemon: string): Record<string, string> => ({
  AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
  AWS_LAMBDA_FUNCTION_NAME: functionName,
  AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(memoryMb),
  AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
  LAMBDA_TASK_ROOT: taskRoot,
  AWS_XRAY_DAEMON_ADDRESS: xrayDaemon,
  NODE_OPTIONS: '--enable-source-maps',
  POWERTOOLS_SERVICE_NAME: 'switchboard',
  POWERTOOLS_LOG_LEVEL: 'INFO',
  POWERTOOLS_METRICS_DISABLED: 'false',
  TZ: ':UTC',
});

export const measureFootprint = async (options: { signal?: AbortSignal; measuredAtMb?: number; invocations?: number } = {}): Promise<FootprintResult> => {
  const started = performance.now();
  const measuredAtMb = options.measuredAtMb ?? 256;
  const runs = options.invocations ?? 2;
  const stops: (() => Promise<unknown>)[] = [];
  const workDir = await mkdtemp(join(tmpdir(), 'switchboard-bench-footprint-'));
  stops.push(() => rm(workDir, { recursive: true, force: true }));
  try {
    const bundles = new Map((await buildBundles(workDir)).map((bundle) => [bundle.name, bundle.file]));

    // X-Ray segments go over UDP to the daemon; counting them shows tracing ran as deployed.
    let xraySegments = 0;
    const xray = createSocket('udp4').on('message', () => void xraySegments++);
    xray.bind(0, '127.0.0.1');
    await once(xray, 'listening');
    stops.push(() => new Promise<void>((resolve) => xray.close(() => resolve())));

    // The sender calls Twilio's stand-in. Its status callbacks would go to publicBaseUrl, off this
    // machine, and are the ack's work, not the sender's: none is due before the step stops it.
    const hourMs = 3600_000;
    const twilio = await startTwilioApiStandIn({
      authTokenOf: async (accountSid) => (accountSid === twilioAccount.accountSid ? twilioAccount.authToken : undefined),
      callbackDelaysMs: { sent: hourMs, delivered: hourMs, read: hourMs },
    });
    stops.push(() => twilio.stop());

    // The sockets the broadcaster pushes to are opened on the stand-ins' gateway; their records are written below.
    const { dynamo, sqs, gateway, connectionIds, jwtSecret, description: stack, stop: stopStandIns } = await startStandIns({
      prefix: 'footprint-',
      publicBaseUrl,
      providerApiBaseUrls: { ...providerApiBaseUrls, twilioApiBaseUrl: twilio.url },
    });
    stops.push(stopStandIns);
    const { bodyBucket } = stack;
    const queueArn = `arn:aws:sqs:${localRegion}:000000000000:footprint-ingest`;

    // ——— Seeds ———
    const endpoints = createEndpointStore(dynamo.documentClient, dynamo.tables.Endpoints);
    const endpointOf = async (provider: string, endpointTenant: string): Promise<Endpoint> => {
      const endpoint = anEndpoint({ endpointId: `ep_footprint${provider}${endpointTenant.replaceAll('-', '')}`, provider, tenantId: endpointTenant, secrets: [providerCredentials[provider]?.secret ?? ''] });
      await endpoints.put(endpoint);
      return endpoint;
    };
    const bodies = createBodyStore({ bucket: bodyBucket, credentials: async () => localCredentials, region: async () => localRegion, endpoint: sqs.endpoint });
    /** The queued body the ack makes of a request: acknowledge() itself, a large body put in the body store. */
    const queuedBody = async (endpoint: Endpoint, request: { body: Buffer; headers: Record<string, string> }): Promise<string> => {
      let queued: Envelope | undefined;
      await acknowledge(
        { provider: endpoint.provider, endpointId: endpoint.endpointId, search: '', headers: request.headers, body: request.body, requestId: randomUUID() },
        {
          findEdge,
          findEndpoint: async () => endpoint,
          enqueue: async (envelope) => void (queued = envelope),
          storeBody: bodies.put,
          claimNonce: async () => true,
          releaseNonce: async () => {},
          publicBaseUrl,
          maxInlineBodyBytes,
          maxBodyBytes: maxWebhookBodyBytes,
          now: () => new Date(),
        },
      );
      if (!queued) throw new Error('acknowledge() queued nothing');
      return JSON.stringify(queued);
    };

    const sockets: RecordingSocket[] = [];
    stops.push(() => Promise.all(sockets.map((socket) => socket.close())));
    // As many listeners as the broadcaster sends to at once: every record is one full round of sends.
    for (let i = 0; i < broadcastConcurrency; i++) sockets.push(await openSocket(gateway.url));
    const connections = createConnectionStore(dynamo.documentClient, dynamo.tables.Connections);
    for (const connectionId of connectionIds) await connections.add({ connectionId, tenantId, connectedAt: new Date().toISOString() });
    const messagesCreated = () => sockets.reduce((count, socket) => count + socket.frames.filter((frame) => frame.type === 'message.created').length, 0);

    // A conversation of the longest messages the processor stores, a second apart, and their
    // frames in the tenant's feed, published by the broadcaster's own writer: the first frames
    // GET /events reads from cursor '0', before the broadcaster scenario's.
    const queryKey = aConversationKey({ tenantId, customerAddress: '+14155550199' });
    const queryMessagesFrom = new Date(Date.UTC(2026, 10, 22, 12));
    const store = createMessageStore(dynamo.documentClient, dynamo.tables.Messages);
    const queryFrames: FeedRecord[] = [];
    for (let i = 0; i < pageLimits.max; i++) {
      const at = (offsetMs: number) => new Date(queryMessagesFrom.getTime() + i * 1000 + offsetMs).toISOString();
      const message = aStoredMessage({ providerMessageId: `SMquery${i}`, text: 'z'.repeat(maxStoredTextBytes), tenantId, receivedAt: at(0), storedAt: at(100) }, queryKey);
      await store.saveMessage(message, queryKey);
      const frame = frameFor({ eventName: 'INSERT', newImage: messageItem(message) });
      if (!frame) throw new Error('a stored message made no frame');
      queryFrames.push({ recordId: `footprint-query-${i}`, frame });
    }
    const published = await publishFrames(queryFrames, createFeedWriter(dynamo.documentClient, dynamo.tables.Feed));
    const unpublished = published.filter((outcome) => outcome.status !== 'published');
    if (unpublished.length > 0) throw new Error(`${unpublished.length} of the query messages' frames were not published: ${JSON.stringify(unpublished[0])}`);
    const token = await issueToken(tenantId, jwtSecret, 3600);

    const mailgun = await endpointOf('mailgun', 'bench-ack');
    const meta = await endpointOf('meta', 'bench-ack');
    const metaProvider = await loadProvider('meta');
    if (!metaProvider) throw new Error('the meta provider is not registered');
    const metaSample = paddedSample(metaProvider, webhookUrl(publicBaseUrl, 'meta', meta.endpointId), providerCredentials.meta?.secret ?? '');
    const mixedTenant = 'bench-processor-mixed';
    const largeTenant = 'bench-processor-large';
    const mixedEndpoint = await endpointOf('sendgrid', mixedTenant);
    const largeEndpoint = await endpointOf('sendgrid', largeTenant);
    const storedCheck = (tenant: string) => {
      let expected = 0;
      return async (batches: number) => {
        expected += batches * processorSettings.batchSize;
        const stored = await countStoredMessages(dynamo.client, dynamo.tables.Messages, tenant);
        if (stored !== expected) throw new Error(`the processor stored ${stored} messages for ${tenant}, not ${expected}`);
        return `${stored} mails stored`;
      };
    };
    const streamRecords = broadcasterSettings.batchSize;
    const framesCheck = () => {
      let expected = 0;
      return async (batches: number) => {
        expected += batches * streamRecords * sockets.length;
        const deadline = Date.now() + 15_000;
        while (messagesCreated() < expected && Date.now() < deadline) await sleep(50);
        if (messagesCreated() !== expected) throw new Error(`the sockets received ${messagesCreated()} frames, not ${expected}`);
        return `${expected} frames received`;
      };
    };
    const phantomConnection = async () => {
      const connectionId = randomBytes(10).toString('base64');
      await connections.add({ connectionId, tenantId: 'bench-connect', connectedAt: new Date().toISOString() });
      return connectionId;
    };

    // Sending: each scenario's tenant has its own Twilio endpoint with sealed send credentials.
    const sendKey = sendKeyOf(stack.sendKey);
    const sendingEndpointOf = async (endpointTenant: string): Promise<Endpoint> => {
      const endpointId = `ep_footprintsend${endpointTenant.replaceAll('-', '')}`;
      const endpoint = anEndpoint({
        endpointId,
        provider: 'twilio',
        tenantId: endpointTenant,
        secrets: [twilioAccount.authToken],
        sending: { sealedCredentials: sealCredentials(sendKey, endpointId, { provider: 'twilio', ...twilioAccount }), updatedAt: new Date().toISOString() },
      });
      await endpoints.put(endpoint);
      return endpoint;
    };
    /** The accept as the send function wires it, on the stand-ins' tables, with this clock and this send queue. */
    const acceptWith = (now: () => Date, enqueue: (record: QueuedRecord) => void): AcceptDependencies =>
      wiredSending({
        client: dynamo.documentClient,
        tables: dynamo.tables,
        sendKey,
        twilioApiBaseUrl: twilio.url,
        statusCallbackUrl: (endpointId, messageId) => `${webhookUrl(publicBaseUrl, 'twilio', endpointId)}?${correlationParam}=${encodeURIComponent(messageId)}`,
        now,
        enqueue,
      }).accept;
    /** A first message (POST /messages) of the tenant's, accepted: its id. */
    const acceptFirstMessage = async (accept: AcceptDependencies, sendTenant: string, body: Record<string, unknown>): Promise<string> =>
      (await acceptSend({ tenantId: sendTenant, target: { firstMessage: true }, idempotencyKey: randomUUID(), body, requestId: randomUUID() }, accept)).body.id;
    const outbox = createOutboxStore(dynamo.documentClient, { messages: dynamo.tables.Messages, sending: dynamo.tables.Sending });

    // The send scenario's reply: an MMS conversation whose customer wrote just now, through the tenant's endpoint.
    const replyTenant = 'bench-send';
    const replyEndpoint = await sendingEndpointOf(replyTenant);
    const replyKey = aConversationKey({ tenantId: replyTenant, channel: 'mms', businessAddress: '+14155550142', customerAddress: '+14155550143' });
    const inboundAt = new Date().toISOString();
    await store.saveMessage(
      aStoredMessage({ tenantId: replyTenant, channel: 'mms', providerMessageId: `MM${randomBytes(16).toString('hex')}`, receivedAt: inboundAt, storedAt: inboundAt, source: { requestId: randomUUID(), endpointId: replyEndpoint.endpointId } }, replyKey),
      replyKey,
    );
    const replyToken = await issueToken(replyTenant, jwtSecret, 3600);

    // The sender's batch: MMS from one US long code, which Twilio holds to one a second.
    const senderTenant = 'bench-sender';
    const senderEndpoint = await sendingEndpointOf(senderTenant);
    // The most records Lambda hands it at once, from any of its queues.
    const senderBatchSize = Math.max(...functionDefinitions.sender.triggers.map((trigger) => trigger.batchSize));
    const longCode = '+14155550144';
    const sendQueueArn = `arn:aws:sqs:${localRegion}:000000000000:${new URL(stack.queues.sendSms).pathname.split('/').pop() ?? 'send-sms'}`;
    const batchMessageIds: string[] = [];
    const senderBatch = async () => {
      const records: QueuedRecord[] = [];
      const accept = acceptWith(() => new Date(), (record) => void records.push(record));
      for (let i = 0; i < senderBatchSize; i++) {
        const to = `+1415555${String(2000 + batchMessageIds.length).padStart(4, '0')}`;
        batchMessageIds.push(await acceptFirstMessage(accept, senderTenant, { channel: 'mms', endpointId: senderEndpoint.endpointId, from: longCode, to, text: replyText(twilioLongestBody), media: sendMedia }));
      }
      const bodies = records.map(({ tenantId: recordTenant, id }) => JSON.stringify({ tenantId: recordTenant, messageId: id } satisfies SendRecord));
      return sqsEvent(bodies, sendQueueArn, { sample: 'sender-sqs.json', messageGroupId: senderTenant });
    };
    /** Every message of the batches the sender was handed is sent, or waits on the queue for a later slot of its number. */
    const batchSettled = async () => {
      const items = await Promise.all(batchMessageIds.map(async (id) => (await outbox.message(id)) as Partial<OutboundMessage> | undefined));
      const sent = items.filter((item) => item?.status === 'sent').length;
      const waiting = items.filter((item) => item?.sendState === 'ready' && Date.parse(item.notBefore ?? '') > Date.parse(item.storedAt ?? '')).length;
      if (sent === 0 || sent + waiting !== batchMessageIds.length) throw new Error(`of ${batchMessageIds.length} messages, the sender sent ${sent} and put back ${waiting}`);
      return `${sent} sent to the Twilio stand-in (${twilio.messages.length} taken), ${waiting} put back for a later slot`;
    };

    // The reconciler's run: messages accepted ten minutes ago whose queueing failed (an SQS
    // outage's aftermath), so that every marker it reads is a message it queues again.
    const reconcilerTenant = 'bench-reconciler';
    const reconcilerEndpoint = await sendingEndpointOf(reconcilerTenant);
    const lostMessages = 500;
    const acceptedLongAgo = acceptWith(() => new Date(Date.now() - 10 * 60_000), () => undefined);
    await inParallel(Array.from({ length: lostMessages }, (_, index) => index), 16, (index) =>
      acceptFirstMessage(acceptedLongAgo, reconcilerTenant, {
        channel: 'sms',
        endpointId: reconcilerEndpoint.endpointId,
        from: longCode,
        to: `+1415556${String(index).padStart(4, '0')}`,
        text: replyText(160),
      }),
    );

    // The media function's batch: MMS with the most files Twilio allows (NumMedia ≤ 10), every
    // one at the size cap, served by the Twilio stand-in on loopback (which its configured
    // origin opens: functions/adapters/media-fetch.ts) behind its redirect, with the account's credentials.
    const mediaTenant = 'bench-media';
    const mediaEndpoint = await sendingEndpointOf(mediaTenant);
    const mediaKey = aConversationKey({ tenantId: mediaTenant, channel: 'mms', businessAddress: '+14155550145', customerAddress: '+14155550146' });
    const mediaBatchSize = Math.max(...functionDefinitions.media.triggers.map((trigger) => trigger.batchSize));
    const mediaSids = Array.from({ length: mostMediaItems }, () => `ME${randomBytes(16).toString('hex')}`);
    for (const mediaSid of mediaSids) twilio.media.put(mediaSid, aPhoto(defaultMediaLimits.maxBytes));
    // Files at the cap are over what fauxqs takes in one PUT: the media function puts them to a sink of the bench's.
    const mediaBucket = await startS3Sink();
    stops.push(mediaBucket.stop);
    const mediaMessageIds: string[] = [];
    /** A batch of newly stored MMS, as the processor stores them (files pending), and their stream records. */
    const mediaBatch = async () => {
      const items = [];
      for (let i = 0; i < mediaBatchSize; i++) {
        const messageSid = `MM${randomBytes(16).toString('hex')}`;
        const media = mediaSids.map((mediaSid) => ({ url: twilio.mediaUrlOf(twilioAccount.accountSid, messageSid, mediaSid), contentType: 'image/jpeg' }));
        const now = new Date().toISOString();
        const message = withPendingMedia(
          aStoredMessage({ tenantId: mediaTenant, channel: 'mms', providerMessageId: messageSid, media, contentType: 'image', receivedAt: now, storedAt: now, source: { requestId: randomUUID(), endpointId: mediaEndpoint.endpointId } }, mediaKey),
        );
        await store.saveMessage(message, mediaKey);
        mediaMessageIds.push(message.id);
        items.push(messageItem(message));
      }
      return streamEventOf(items);
    };
    /** Every file of every batch's messages kept whole: the invocations measured the worst case, not a refusal. */
    const mediaKept = async () => {
      const items = await Promise.all(mediaMessageIds.map(async (id) => (await outbox.message(id)) as { media?: MediaItem[] } | undefined));
      const kept = items.flatMap((item) => item?.media ?? []).filter((file) => file.state === 'ready' && file.sizeBytes === defaultMediaLimits.maxBytes).length;
      const expected = mediaMessageIds.length * mostMediaItems;
      const put = mediaBucket.puts.filter(({ bucket, key, bytes }) => bucket === bodyBucket && key.startsWith(`media/${mediaTenant}/`) && bytes === defaultMediaLimits.maxBytes).length;
      if (kept !== expected || put !== expected) throw new Error(`the media function kept ${kept} of ${expected} files and put ${put}`);
      return `${kept} files of ${round(defaultMediaLimits.maxBytes / 1024 / 1024)} MiB put and settled ready`;
    };
    /**
     * Its design's worst case: every file of a batch stalled, each through all its attempts at the
     * fetch timeout (and under a second of backoff between them), `mediaFetchConcurrency` at a time.
     */
    const stalledMediaBatchSeconds =
      Math.ceil((mediaBatchSize * mostMediaItems) / mediaFetchConcurrency) * (defaultMediaLimits.attempts * (defaultMediaLimits.timeoutMs / 1000) + 1);

    const mib = (bytes: number) => `${round(bytes / 1024 / 1024)} MiB`;
    const kib = (bytes: number) => `${Math.round(bytes / 1024)} KiB`;

    const scenarios: Scenario[] = [
      {
        handler: 'ack',
        caller: 'api',
        input: `${mib(maxWebhookBodyBytes)} Mailgun MIME mail (${mib((maxWebhookBodyBytes * 4) / 3)} base64 event), body to S3`,
        // The endpoint (cached after the first), the token claim, the body's PUT, SendMessage, and
        // the claim's release when queueing failed.
        chainedCalls: 5,
        expect: { statusCode: 200 },
        event: async () => {
          const request = mailgunMimeRoute(maxWebhookBodyBytes);
          const event = webhookEvent('mailgun', mailgun.endpointId, request.headers, request.body.toString('latin1'));
          return { ...event, requestContext: { ...event.requestContext, requestId: randomUUID() } };
        },
      },
      {
        handler: 'ack',
        caller: 'api',
        input: `${kib(Buffer.byteLength(metaSample.body))} signed Meta webhook, the common case`,
        chainedCalls: 2,
        invocations: 61,
        commonCase: true,
        expect: { statusCode: 200 },
        event: async () => {
          const event = webhookEvent('meta', meta.endpointId, { ...metaSample.headers }, metaSample.body);
          return { ...event, requestContext: { ...event.requestContext, requestId: randomUUID() } };
        },
      },
      {
        handler: 'processor',
        caller: 'queue',
        input: `batch of ${processorSettings.batchSize} SendGrid MIME mails: ${processorSettings.batchSize - 1} × ${kib(maxInlineBodyBytes)} inline, 1 × ${mib(maxWebhookBodyBytes)} from S3`,
        // The body's GET, the archive's PUT, the message's transaction, the pending receipts' query,
        // and when the record fails, its backoff (ChangeMessageVisibility) and its failure record.
        chainedCalls: 6,
        expect: { batchItemFailures: 0 },
        event: async () => {
          const inline = [];
          for (let i = 1; i < processorSettings.batchSize; i++) inline.push(await queuedBody(mixedEndpoint, sendgridRawMail(maxInlineBodyBytes)));
          return sqsEvent([...inline, await queuedBody(mixedEndpoint, sendgridRawMail(maxWebhookBodyBytes))], queueArn);
        },
        verify: storedCheck(mixedTenant),
      },
      {
        handler: 'processor',
        caller: 'queue',
        input: `batch of ${processorSettings.batchSize} SendGrid MIME mails, every one ${mib(maxWebhookBodyBytes)} from S3`,
        chainedCalls: 6,
        expect: { batchItemFailures: 0 },
        event: async () => {
          const queued = [];
          for (let i = 0; i < processorSettings.batchSize; i++) queued.push(await queuedBody(largeEndpoint, sendgridRawMail(maxWebhookBodyBytes)));
          return sqsEvent(queued, queueArn);
        },
        verify: storedCheck(largeTenant),
      },
      {
        handler: 'broadcaster',
        caller: 'stream',
        input: `${streamRecords} stream records, each a ${kib(maxFrameBytes)} frame to ${broadcastConcurrency} sockets`,
        // One record's path: its tenant's connections, then the sends (concurrent).
        chainedCalls: 2,
        expect: { batchItemFailures: 0 },
        event: async () => streamEvent(streamRecords),
        verify: framesCheck(),
      },
      {
        handler: 'connect',
        caller: 'api',
        input: 'a connection with a valid token',
        // The token's secret (Secrets Manager, as deployed) or the issuer's keys on first use, then the connection's record.
        chainedCalls: 2,
        expect: { statusCode: 200 },
        event: async () => {
          const connectToken = await issueToken('bench-connect', jwtSecret, 3600);
          return socketEvent('$connect', randomBytes(10).toString('base64'), { queryStringParameters: { token: connectToken }, multiValueQueryStringParameters: { token: [connectToken] } });
        },
      },
      {
        handler: 'disconnect',
        caller: 'api',
        input: 'a recorded connection closing',
        chainedCalls: 1,
        expect: { statusCode: 200 },
        event: async () => socketEvent('$disconnect', await phantomConnection()),
      },
      {
        handler: 'socket',
        caller: 'api',
        input: 'a subscribe message from an open socket',
        // The subscription's update, then the reply through @connections.
        chainedCalls: 2,
        expect: { statusCode: 200 },
        event: async () => socketEvent('$default', connectionIds[0] ?? '', { body: JSON.stringify({ action: 'subscribe' }) }),
      },
      {
        handler: 'query',
        caller: 'api',
        input: `a page of ${pageLimits.max} messages of ${kib(maxStoredTextBytes)} text (DynamoDB returns ${mib(dynamoQueryPageBytes)} of them)`,
        // The token's secret on first use, the conversation's item, then the page.
        chainedCalls: 3,
        // GET /events waits up to maxWaitSeconds and answers 2 s before the timeout (functions/query/handler.ts): 25 + 2 + 1 s to answer.
        designTimeoutSeconds: maxWaitSeconds + 3,
        expect: { statusCode: 200, minBodyBytes: dynamoQueryPageBytes * 0.9 },
        event: async () =>
          apiGetEvent('/conversations/{id}/messages', `/conversations/${conversationIdFor(queryKey)}/messages`, {
            pathParameters: { id: conversationIdFor(queryKey) },
            query: { limit: String(pageLimits.max) },
            token,
          }),
      },
      {
        handler: 'query',
        caller: 'api',
        input: `GET /events from cursor 0 catching up on ${pageLimits.max} such messages: their frames from the feed, each a reference (the message is over ${kib(maxFrameBytes)})`,
        // The token's secret on first use, the feed's head, then one Query of the feed: a page
        // with frames answers at once (DynamoDB stops a Query at 1 MB), only an empty one polls again.
        chainedCalls: 3,
        designTimeoutSeconds: maxWaitSeconds + 3,
        expect: { statusCode: 200, minBodyBytes: pageLimits.max * 100 },
        event: async () => apiGetEvent('/events', '/events', { query: { limit: String(pageLimits.max), cursor: '0' }, token }),
      },
      {
        handler: 'health',
        caller: 'api',
        input: 'GET /health: both queues and the oldest message age',
        // The queues' attributes and the metric, all at once.
        chainedCalls: 1,
        expect: { statusCode: 200 },
        event: async () => apiGetEvent('/health', '/health'),
      },
      {
        handler: 'send',
        caller: 'api',
        // ?wait= with no sender running: the longest an invocation runs, the sender slow or down.
        input: `a reply of ${longestSendText.toLocaleString('en')} characters and ${mostMediaItems} media items with ?wait=${maxSendWaitSeconds}, no sender settling it: the accept, then ${maxSendWaitSeconds} s of polling`,
        // The token's secret on first use, the idempotency record, the conversation, the endpoint,
        // the accept's transaction, SendMessage, then the wait's last read.
        chainedCalls: 7,
        expect: { statusCode: 202 },
        event: async () => sendReplyEvent(conversationIdFor(replyKey), replyToken, { text: replyText(longestSendText), media: sendMedia }, maxSendWaitSeconds),
      },
      {
        handler: 'sender',
        caller: 'queue',
        input: `batch of ${senderBatchSize} MMS of ${twilioLongestBody.toLocaleString('en')} characters and ${mostMediaItems} media items from one US long code (1 a second): rate slots up to ${sendTimings.maxSlotWaitMs / 1000} s ahead, calls to the Twilio stand-in, the rest put back`,
        // One record's path: the claim, the endpoint, the send key on first use, the rate slot, the
        // settle, and for a record put back, its SendMessage.
        chainedCalls: 6,
        // A record may wait its slot, then its provider call until the call is cut.
        designTimeoutSeconds: (sendTimings.maxSlotWaitMs + sendTimings.callTimeoutMs) / 1000,
        expect: { batchItemFailures: 0 },
        event: async () => senderBatch(),
        verify: batchSettled,
      },
      {
        handler: 'reconciler',
        caller: 'schedule',
        input: `a run over ${lostMessages} open markers of messages accepted but never queued: each message read, then queued again`,
        // One marker's path: its shard's page, its message, then its SendMessage.
        chainedCalls: 3,
        // At least: the other scenarios' messages have markers too, which it reads once they are a minute old.
        expect: { atLeast: { requeued: lostMessages } },
        event: async () => ({ ...lambdaEvent<Record<string, unknown>>('reconciler-schedule.json'), id: randomUUID(), time: new Date().toISOString() }),
      },
      {
        handler: 'media',
        caller: 'stream',
        input: `batch of ${mediaBatchSize} MMS, each with ${mostMediaItems} files at the ${mib(defaultMediaLimits.maxBytes)} cap, from the Twilio stand-in through its redirect, ${mediaFetchConcurrency} at a time`,
        // One file's path: the endpoint (cached after the first), the send key on first use, the
        // file's PUT, then its message's settling UpdateItem.
        chainedCalls: 4,
        designTimeoutSeconds: roundUpTo(stalledMediaBatchSeconds, sizing.timeoutStepSeconds),
        expect: { batchItemFailures: 0 },
        event: async () => mediaBatch(),
        verify: mediaKept,
        environment: { AWS_ENDPOINT_URL_S3: mediaBucket.url },
      },
    ];
    const names = await handlerNames();
    const uncovered = names.filter((name) => !scenarios.some((scenario) => scenario.handler === name));
    if (uncovered.length > 0) throw new Error(`no footprint scenario for ${uncovered.join(', ')}`);

    const runScenario = async (scenario: Scenario, memoryMb: number, timeoutSeconds: number): Promise<ScenarioFigures> => {
      const eventFiles: string[] = [];
      const invocations = scenario.invocations ?? runs;
      for (let run = 0; run < invocations; run++) {
        const file = join(workDir, `${scenario.handler}-${randomUUID()}.json`);
        await writeFile(file, JSON.stringify(await scenario.event(run)));
        eventFiles.push(file);
      }
      const bundle = bundles.get(scenario.handler);
      if (!bundle) throw new Error(`no bundle for ${scenario.handler}`);
      const functionName = `switchboard-${scenario.handler}`;
      const result = await runChild({
        bundle,
        functionName,
        memoryMb,
        timeoutMs: timeoutSeconds * 1000,
        eventFiles,
        workDir,
        env: {
          PATH: process.env.PATH ?? '',
          ...localEnvironmentOf(scenario.handler, stack),
          ...lambdaEnvironment(functionName, memoryMb, workDir, `127.0.0.1:${xray.address().port}`),
          ...scenario.environment,
        },
        ...(options.signal && { signal: options.signal }),
      });
      await Promise.all(eventFiles.map((file) => rm(file, { force: true })));
      for (const [run, invocation] of result.invocations.entries()) {
        const { expect } = scenario;
        const answered =
          'batchItemFailures' in expect
            ? invocation.batchItemFailures === 0
            : 'atLeast' in expect
              ? Object.entries(expect.atLeast).every(([name, least]) => (invocation.counts?.[name] ?? Number.NEGATIVE_INFINITY) >= least)
              : invocation.statusCode === expect.statusCode && (invocation.bodyBytes ?? 0) >= (expect.minBodyBytes ?? 0);
        if (!answered) throw new Error(`${scenario.handler} (${scenario.input}), run ${run + 1}, answered ${JSON.stringify(invocation)}, not ${JSON.stringify(expect)}`);
      }
      const verified = await scenario.verify?.(invocations);
      return {
        handler: scenario.handler,
        input: scenario.input,
        memoryMb,
        importMs: round(result.importMs),
        rssBeforeImportMb: mb(result.beforeImport.rss),
        rssAfterImportMb: mb(result.afterImport.rss),
        heapAfterImportMb: mb(result.afterImport.heapUsed),
        peakRssMb: mb(result.peakRss),
        peakHeapUsedMb: mb(result.peakHeapUsed),
        peakExternalMb: mb(result.peakExternal),
        rssAfterRunMb: mb(result.afterRun.rss),
        invocations: result.invocations.map(({ wallMs, cpuMs, answerBytes }) => ({ wallMs: round(wallMs), cpuMs: round(cpuMs), answerBytes })),
        cost: (({ cpuMs, waitMs }) => ({ cpuMs: round(cpuMs), waitMs: round(waitMs) }))(costOf(result.invocations)),
        ...(verified !== undefined && { verified }),
      };
    };

    // A generous timeout while measuring: the figures decide the real one.
    const measuringTimeoutSeconds = 60;
    const figures: ScenarioFigures[] = [];
    for (const scenario of scenarios) {
      process.stderr.write(`bench: footprint: ${scenario.handler}, ${scenario.input}\n`);
      figures.push(await runScenario(scenario, measuredAtMb, measuringTimeoutSeconds));
    }

    const functions: FunctionFootprint[] = [];
    for (const name of names) {
      const own = scenarios.filter((scenario) => scenario.handler === name);
      const measured = figures.filter((figure) => figure.handler === name);
      const commonCase = figures[scenarios.findIndex((scenario) => scenario.handler === name && scenario.commonCase)];
      const [first] = own;
      if (!first) continue;
      const input: SizingInput = {
        name,
        caller: first.caller,
        peakRssMb: Math.max(...measured.map((figure) => figure.peakRssMb)),
        costs: measured.map((figure) => figure.cost),
        chainedCalls: Math.max(...own.map((scenario) => scenario.chainedCalls)),
        ...(first.designTimeoutSeconds !== undefined && { designTimeoutSeconds: first.designTimeoutSeconds }),
        // The later half: the first few dozen invocations still run code V8 has not optimized yet.
        ...(commonCase && { commonCaseCpuMs: round(median(commonCase.invocations.slice(Math.floor(commonCase.invocations.length / 2)).map((invocation) => invocation.cpuMs))) }),
      };
      const recommendation = recommend(input);
      let confirmation: FunctionFootprint['confirmation'];
      if (recommendation.memoryMb !== measuredAtMb) {
        process.stderr.write(`bench: footprint: ${name} again at ${recommendation.memoryMb} MB\n`);
        const again: ScenarioFigures[] = [];
        for (const scenario of own) again.push(await runScenario(scenario, recommendation.memoryMb, recommendation.timeoutSeconds));
        const peakRssMb = Math.max(...again.map((figure) => figure.peakRssMb));
        confirmation = {
          memoryMb: recommendation.memoryMb,
          peakRssMb,
          fits: peakRssMb < recommendation.memoryMb,
          worstWallMs: Math.max(...again.flatMap((figure) => figure.invocations.map((invocation) => invocation.wallMs))),
        };
      }
      functions.push({ name, sizing: input, recommendation, ...(confirmation && { confirmation }) });
    }
    return {
      measuredAtMb,
      invocationsPerScenario: runs,
      sizing,
      scenarios: figures,
      functions,
      xraySegments,
      seconds: round((performance.now() - started) / 1000),
    };
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  }
};

/** The rule in words, for the results' notes and the printed report. */
export const ruleInWords =
  `memory = ${sizing.headroom} × the peak RSS measured under Lambda's heap flags, in ${sizing.stepMb} MB steps, at least ${sizing.floorMb} MB; ` +
  `the ack's grows until a warm common ack spends ≤ ${sizing.ackCommonCaseCpuBudgetMs} ms on CPU and its largest body answers within ${sizing.ackWorstCaseBudgetMs / 1000} s; ` +
  `timeout = ${sizing.timeoutFactor} × the worst case projected onto Lambda's CPU share at that memory (${sizing.fullVcpuMb} MB = 1 vCPU) ` +
  `+ ${sizing.retryBackoffSecondsPerCall} s of SDK retries per chained call, in ${sizing.timeoutStepSeconds} s steps, ` +
  `at least what the function's design needs and at most ${sizing.apiTimeoutCapSeconds} s behind API Gateway.`;

/** One line per function: the recommendation and why. */
export const formatRecommendations = (result: FootprintResult): string =>
  [
    `Memory and timeout per function (test/bench/footprint.ts): ${ruleInWords}`,
    ...result.functions.map(
      ({ name, recommendation: r, confirmation: c }) =>
        `  ${name.padEnd(12)} ${String(r.memoryMb).padStart(5)} MB ${String(r.timeoutSeconds).padStart(3)} s   memory: ${r.memoryReason}; timeout: ${r.timeoutReason}` +
        (c ? `; at ${c.memoryMb} MB its peak RSS was ${c.peakRssMb} MB` : ''),
    ),
  ].join('\n');
