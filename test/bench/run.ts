import { mkdir, rename, writeFile } from 'node:fs/promises';
import { cpus, freemem, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { measureAckCounting, sqsTimeMs, dynamoTimeMs, type AckCountingResult } from './ack-counting.ts';
import { measureAckHotPath, type ProviderHotPath } from './ack-hot-path.ts';
import { measureBroadcasterThroughput, type BroadcasterResult } from './broadcaster-throughput.ts';
import { measureBundles, type BundlesResult } from './bundles.ts';
import { measureEndToEnd, type EndToEndResult } from './end-to-end.ts';
import { measureEndToEndMedia, type EndToEndMediaResult } from './end-to-end-media.ts';
import { formatRecommendations, measureFootprint, ruleInWords, type FootprintResult } from './footprint.ts';
import { measureHttpAckLoad, type HttpAckLoadResult } from './http-ack-load.ts';
import { measureProcessorThroughput, type ProcessorResult } from './processor-throughput.ts';
import { profileAckHotPath, profileAckImport, type ProfileSummary } from './profile.ts';
import { measureSending, type SendingResult } from './sending.ts';
import { median, round } from './stats.ts';
import { latencyHistogramSvg } from './svg.ts';

/**
 * `npm run bench`: every row of DESIGN.md §9 measured in one run, printed as one table and
 * written to bench/results/<date>.json, with the end-to-end latency chart beside it, and each
 * function's memory footprint with the memory and timeout it should be deployed with. A missed
 * target is a finding, not a failure: the exit code is non-zero only when a measurement
 * itself could not be made.
 *
 *   node test/bench/run.ts [--only hot-path,ack-counting,bundles,processor,broadcaster,footprint,http,http-paced,e2e,e2e-media,sending]
 *
 * A partial run (--only) writes bench/results/<date>-partial.json instead.
 */

const root = fileURLToPath(new URL('../../', import.meta.url));
const resultsDir = join(root, 'bench', 'results');

/** DESIGN.md §9, as numbers. */
export const targets = {
  hotPathMedianUs: 25,
  hotPathRatio: 2,
  httpP99Ms: 15,
  httpErrors: 0,
  e2eP50Ms: 150,
  e2eP99Ms: 400,
  /** Issue 17: keeping media never changes the message figures. A message with a file, pushed when stored, against one without, same run. */
  mediaE2eP50Ratio: 1.2,
  mediaE2eP99Ratio: 1.5,
  /** Issue 18: counting adds no measurable time to the ack. Its median with the stats writes over its median without, same run. */
  ackCountingP50Ratio: 1.1,
  processorPerSecond: 200,
  /** KB = 1000 bytes, as the project's own notes count them ("564 KB"). */
  ackBundleBytes: 500_000,
  ackImportRatio: 1.2,
  /** Issue 16 §11: the send API's accept, the way to the provider, a number's rate, and throughput across numbers. */
  sendAcceptP99Ms: 15,
  acceptToCallP50Ms: 50,
  acceptToCallP99Ms: 200,
  longCodeGapMs: 1000,
  sendsPerSecond: 200,
} as const;

interface Row {
  readonly row: string;
  readonly figure: string;
  readonly target: string;
  /** undefined: informational, no target. */
  readonly holds?: boolean;
  readonly failed?: boolean;
  /** The 1-minute load average when the row's step started → ended, on the step's first row. */
  readonly load?: string;
}

const steps = ['hot-path', 'ack-counting', 'bundles', 'processor', 'broadcaster', 'footprint', 'http', 'http-paced', 'e2e', 'e2e-media', 'sending'] as const;
type Step = (typeof steps)[number];

const parseOnly = (argv: readonly string[]): Set<Step> => {
  const at = argv.indexOf('--only');
  if (at < 0) return new Set(steps);
  const wanted = (argv[at + 1] ?? '').split(',').filter(Boolean);
  const unknown = wanted.filter((name) => !(steps as readonly string[]).includes(name));
  if (unknown.length > 0 || wanted.length === 0) throw new Error(`--only takes a comma-separated list of ${steps.join(', ')}`);
  return new Set(wanted as Step[]);
};

const ms = (value: number) => `${value} ms`;
const us = (value: number) => `${value} µs`;
const kb = (bytes: number) => `${(bytes / 1000).toFixed(bytes < 10_000 ? 1 : 0)} KB`;

const localDate = (date: Date) => `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, '0')}-${String(date.getDate()).padStart(2, '0')}`;

/** The 1, 5 and 15 minute load averages: on a shared machine, what the figures beside them were measured under. */
const loadAverage = () => loadavg().map((load) => Number(load.toFixed(2)));

/** Each step's duration and the machine's load average when it started and ended. */
const stepLoads: { step: string; seconds: number; loadAverageBefore: number[]; loadAverageAfter: number[] }[] = [];

/** Runs one measurement with a deadline; on failure or timeout records why and resolves undefined. */
const attempt = async <T>(name: string, limitMs: number, failures: { step: string; error: string }[], measure: (signal: AbortSignal) => Promise<T>): Promise<T | undefined> => {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const started = performance.now();
  const loadAverageBefore = loadAverage();
  process.stderr.write(`bench: ${name}… (load average ${loadAverageBefore.join(' ')})\n`);
  try {
    const result = await Promise.race([
      measure(controller.signal),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          controller.abort();
          reject(new Error(`${name} did not finish within ${limitMs / 1000} s`));
        }, limitMs);
      }),
    ]);
    process.stderr.write(`bench: ${name} done in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
    return result;
  } catch (error) {
    failures.push({ step: name, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    process.stderr.write(`bench: ${name} FAILED: ${error instanceof Error ? error.message : String(error)}\n`);
    return undefined;
  } finally {
    clearTimeout(timer);
    stepLoads.push({ step: name, seconds: round((performance.now() - started) / 1000), loadAverageBefore, loadAverageAfter: loadAverage() });
  }
};

/** DESIGN §9 sets the hot-path target on a signed Meta payload; the other providers are measured alongside, for information. */
export const hotPathTargetProvider = 'meta';

const hotPathRows = (results: readonly ProviderHotPath[] | undefined): Row[] => {
  if (!results) return [{ row: 'ack hot path in-process', figure: 'measurement failed', target: `median ≤ ${targets.hotPathMedianUs} µs, ≤ ${targets.hotPathRatio}× reference`, failed: true }];
  const target = results.find((result) => result.provider === hotPathTargetProvider);
  const others = results.filter((result) => result !== target);
  return [
    ...(target
      ? [
          {
            row: `ack hot path in-process, ${target.provider} ${(target.bodyBytes / 1024).toFixed(1)} KB, no-op enqueue: median`,
            figure: `${us(target.ackNoopEnqueue.medianUs)} (p99 ${us(target.ackNoopEnqueue.p99Us)})`,
            target: `≤ ${targets.hotPathMedianUs} µs`,
            holds: target.ackNoopEnqueue.medianUs <= targets.hotPathMedianUs,
          },
          {
            row: `ack hot path ÷ bare reference (${target.referenceAlgorithm} + compare + envelope), ${target.provider}`,
            figure: `${target.ratioNoopToReference}× (reference ${us(target.reference.medianUs)})`,
            target: `≤ ${targets.hotPathRatio}×`,
            holds: target.ratioNoopToReference <= targets.hotPathRatio,
          },
          {
            row: `  same, enqueue = real SendMessage, SDK transport stubbed (info)`,
            figure: `${us(target.ackStubbedSqs.medianUs)} (p99 ${us(target.ackStubbedSqs.p99Us)}), ${target.ratioStubbedSqsToReference}× reference`,
            target: '–',
          },
        ]
      : [{ row: `ack hot path in-process, ${hotPathTargetProvider}`, figure: 'not measured', target: `≤ ${targets.hotPathMedianUs} µs`, failed: true }]),
    ...others.map((result) => ({
      row: `  ${result.provider} ${(result.bodyBytes / 1024).toFixed(1)} KB, no-op enqueue: median (info)`,
      figure: `${us(result.ackNoopEnqueue.medianUs)} = ${result.ratioNoopToReference}× its reference (${result.referenceAlgorithm}, ${us(result.reference.medianUs)})`,
      target: '–',
    })),
  ];
};

const ackCountingRows = (result: AckCountingResult | undefined): Row[] => {
  const name = `ack with its stats writes ÷ without, ${result?.provider ?? 'meta'}, AWS calls answered after SQS ${sqsTimeMs} ms, DynamoDB ${dynamoTimeMs} ms`;
  if (!result) return [{ row: name, figure: 'measurement failed', target: `p50 ≤ ${targets.ackCountingP50Ratio}×`, failed: true }];
  return [
    {
      row: `${name}: p50`,
      figure: `${result.ratioP50}× (${ms(result.countedMs.p50)} ÷ ${ms(result.uncountedMs.p50)}; serialized would be 1.5×)`,
      target: `≤ ${targets.ackCountingP50Ratio}×`,
      holds: result.ratioP50 <= targets.ackCountingP50Ratio,
    },
    { row: '  same: p99 (info)', figure: `${result.ratioP99}× (${ms(result.countedMs.p99)} ÷ ${ms(result.uncountedMs.p99)})`, target: '–' },
  ];
};

const httpRows = (result: HttpAckLoadResult | undefined, label: string, informational: boolean): Row[] => {
  const name = `local HTTP ack, 500 req/s × 20 s, ${label}`;
  if (!result) return [{ row: name, figure: 'measurement failed', target: `p99 ≤ ${targets.httpP99Ms} ms, 0 errors, all stored`, failed: true }];
  const errors = result.errors + result.non2xx;
  const suffix = informational ? ' (info)' : '';
  return [
    {
      row: `${name}: p99${suffix}`,
      figure: `${ms(result.latencyMs.p99)} (p50 ${ms(result.latencyMs.p50)}, ${result.achievedRate} req/s achieved)`,
      target: `≤ ${targets.httpP99Ms} ms`,
      ...(!informational && { holds: result.latencyMs.p99 <= targets.httpP99Ms }),
    },
    {
      row: `  errors + non-2xx${suffix}`,
      figure: `${result.errors} errors (${result.timeouts} timeouts), ${result.non2xx} non-2xx of ${result.sent}`,
      target: '0',
      ...(!informational && { holds: errors === targets.httpErrors }),
    },
    {
      row: `  every acked webhook stored${suffix}`,
      figure: `${result.storedCount} stored / ${result.ok2xx} acked (${result.storeWaitSeconds} s after the load)`,
      target: 'all, within 60 s',
      ...(!informational && { holds: result.allAckedStored }),
    },
    {
      row: `  drained after the load: queue empty, every frame published (info)`,
      figure: result.drainSeconds === null ? 'not within the drain timeout' : `${result.drainSeconds} s (${result.framesPublished} frames)`,
      target: '–',
    },
  ];
};

const endToEndRows = (result: EndToEndResult | undefined): Row[] => {
  const name = 'local end to end, POST → WebSocket frame, 50 msg/s × 20 s';
  if (!result) return [{ row: name, figure: 'measurement failed', target: `p50 ≤ ${targets.e2eP50Ms} ms, p99 ≤ ${targets.e2eP99Ms} ms`, failed: true }];
  const complete = result.received === result.sent;
  return [
    { row: `${name}: p50`, figure: `${ms(result.latencyMs.p50)} (p95 ${ms(result.latencyMs.p95)}, max ${ms(result.latencyMs.max)})`, target: `≤ ${targets.e2eP50Ms} ms`, holds: result.latencyMs.p50 <= targets.e2eP50Ms },
    { row: `  p99`, figure: ms(result.latencyMs.p99), target: `≤ ${targets.e2eP99Ms} ms`, holds: result.latencyMs.p99 <= targets.e2eP99Ms },
    {
      row: `  cold start: the ${result.coldStart.seconds} s of warm-up right after npm start, p50 / p99 (info)`,
      figure: `${ms(result.coldStart.p50)} / ${ms(result.coldStart.p99)} (max ${ms(result.coldStart.max)}, ${result.coldStart.received}/${result.coldStart.sent} frames)`,
      target: '–',
    },
    {
      row: '  hops p50 / p99 (info)',
      figure: `ack→stored ${result.hopsMs.receivedToStored.p50} / ${result.hopsMs.receivedToStored.p99} ms, stored→frame ${result.hopsMs.storedToFrame.p50} / ${result.hopsMs.storedToFrame.p99} ms`,
      target: '–',
    },
    { row: `  frames received`, figure: `${result.received} / ${result.sent} sent (${result.acked} acked, ${result.duplicateFrames} duplicate frames)`, target: 'all, once', holds: complete && result.duplicateFrames === 0 },
    {
      row: '  drained after the warm-up (the window starts then) / after the window (info)',
      figure: [result.drainSeconds.warmup, result.drainSeconds.window].map((seconds) => (seconds === null ? 'not drained' : `${seconds} s`)).join(' / '),
      target: '–',
    },
  ];
};

const endToEndMediaRows = (result: EndToEndMediaResult | undefined): Row[] => {
  const target = `with-media p50 ≤ ${targets.mediaE2eP50Ratio}×, p99 ≤ ${targets.mediaE2eP99Ratio}× without`;
  if (!result) return [{ row: 'local end to end with media', figure: 'measurement failed', target, failed: true }];
  const { withMedia, withoutMedia, ratio, mediaReady } = result;
  const complete = withMedia.count === withMedia.sent && withoutMedia.count === withoutMedia.sent;
  return [
    {
      row: `local end to end, WhatsApp text and ${kb(result.photoBytes)} photo webhooks in turn, ${result.rate} msg/s × ${result.seconds} s: p50 with ÷ without media`,
      figure: `${ratio.p50}× (${ms(withMedia.p50)} with, ${ms(withoutMedia.p50)} without)`,
      target: `≤ ${targets.mediaE2eP50Ratio}×`,
      holds: ratio.p50 <= targets.mediaE2eP50Ratio,
    },
    {
      row: '  p99 with ÷ without media',
      figure: `${ratio.p99}× (${ms(withMedia.p99)} with, ${ms(withoutMedia.p99)} without; max ${ms(withMedia.max)} / ${ms(withoutMedia.max)})`,
      target: `≤ ${targets.mediaE2eP99Ratio}×`,
      holds: ratio.p99 <= targets.mediaE2eP99Ratio,
    },
    {
      row: '  message.created frames received, with / without media',
      figure: `${withMedia.count} / ${withMedia.sent}, ${withoutMedia.count} / ${withoutMedia.sent} (${result.duplicateFrames} duplicate frames)`,
      target: 'all, once',
      holds: complete && result.duplicateFrames === 0,
    },
    {
      row: '  POST → photo ready (message.updated), p50 / p99 (info)',
      figure: `${ms(mediaReady.p50)} / ${ms(mediaReady.p99)} (max ${ms(mediaReady.max)}; ${mediaReady.count} ready, ${mediaReady.failed} failed of ${withMedia.sent})`,
      target: '–',
    },
  ];
};

/** How early a stand-in lets a send through: its rate gate's tolerance for timer jitter (lib/local/provider-standins/rate-gate.ts). */
const rateToleranceMs = 50;

const sendingRows = (result: SendingResult | undefined): Row[] => {
  if (!result) return [{ row: 'sending', figure: 'measurement failed', target: `accept p99 ≤ ${targets.sendAcceptP99Ms} ms; accept → call p50 ≤ ${targets.acceptToCallP50Ms} ms, p99 ≤ ${targets.acceptToCallP99Ms} ms`, failed: true }];
  const { accept, acceptToCall, longCode, throughput } = result;
  const hops = acceptToCall.hopsMs;
  return [
    {
      row: `send accept, POST /messages, ${accept.rate} req/s × ${accept.seconds} s (paced): p99`,
      figure: `${ms(accept.latencyMs.p99)} (p50 ${ms(accept.latencyMs.p50)}, max ${ms(accept.latencyMs.max)}, ${accept.achievedRate} req/s achieved)`,
      target: `≤ ${targets.sendAcceptP99Ms} ms`,
      holds: accept.latencyMs.p99 <= targets.sendAcceptP99Ms,
    },
    {
      row: '  errors + non-202',
      figure: `${accept.errors} errors, ${accept.sent - accept.errors - accept.accepted} non-202 of ${accept.sent}`,
      target: '0',
      holds: accept.errors === 0 && accept.accepted === accept.sent,
    },
    {
      row: `accept → provider stand-in called (storedAt → createdAt): p50`,
      figure: `${ms(acceptToCall.latencyMs.p50)} (p95 ${ms(acceptToCall.latencyMs.p95)}, max ${ms(acceptToCall.latencyMs.max)}; ${acceptToCall.measured} messages)`,
      target: `≤ ${targets.acceptToCallP50Ms} ms`,
      holds: acceptToCall.latencyMs.p50 <= targets.acceptToCallP50Ms,
    },
    { row: '  p99', figure: ms(acceptToCall.latencyMs.p99), target: `≤ ${targets.acceptToCallP99Ms} ms`, holds: acceptToCall.latencyMs.p99 <= targets.acceptToCallP99Ms },
    {
      row: '  hops p50 / p99 (info)',
      figure: `stored→claimed ${hops.storedToClaimed.p50} / ${hops.storedToClaimed.p99} ms, claimed→called ${hops.claimedToCalled.p50} / ${hops.claimedToCalled.p99} ms`,
      target: '–',
    },
    {
      row: `US long code (1 segment/s), ${longCode.messages} messages queued at once: smallest gap between calls`,
      figure: `${ms(longCode.minGapMs)} (all sent in ${longCode.seconds} s)`,
      target: `≥ ${targets.longCodeGapMs - rateToleranceMs} ms (1 s less the stand-in's ${rateToleranceMs} ms jitter)`,
      holds: longCode.minGapMs >= targets.longCodeGapMs - rateToleranceMs,
    },
    { row: '  429s from the stand-in', figure: String(longCode.throttled), target: '0', holds: longCode.throttled === 0 },
    {
      row: `sends/s across ${throughput.numbers} short codes, ${throughput.messages} queued at once`,
      figure: `${throughput.perSecond}/s (${throughput.sent} sent in ${throughput.seconds} s, ${throughput.throttled} 429s)`,
      target: `≥ ${targets.sendsPerSecond}/s`,
      holds: throughput.sent === throughput.messages && throughput.perSecond >= targets.sendsPerSecond,
    },
  ];
};

/** The processor's distinct messages stored per second, the rate the broadcaster must keep up with. */
const storedPerSecond = (processor: ProcessorResult) => round(processor.storedCount / processor.seconds);

const broadcasterRows = (result: BroadcasterResult | undefined, processor: ProcessorResult | undefined): Row[] => {
  const name = 'local stream → broadcaster (poller + worker), backlog';
  const target = processor ? `≥ processor's ${storedPerSecond(processor)} stored msg/s` : "≥ the processor's stored msg/s";
  if (!result) return [{ row: name, figure: 'measurement failed', target, failed: true }];
  return [
    {
      row: `${name} of ${result.messages} messages: frames/s`,
      figure: `${result.framesPerSecond} frames/s = ${result.messagesPerSecond} msg/s (${result.frames} frames in ${result.seconds} s, ${result.invocations} batches, ${result.meanBatchRecords} records each on average)`,
      target,
      ...(processor && { holds: result.messagesPerSecond >= storedPerSecond(processor) }),
    },
  ];
};

const processorRows = (result: ProcessorResult | undefined): Row[] => {
  const name = 'processor on DynamoDB Local, 10% duplicates';
  if (!result) return [{ row: name, figure: 'measurement failed', target: `≥ ${targets.processorPerSecond} msg/s`, failed: true }];
  return [
    {
      row: `${name}: records/s`,
      figure: `${result.recordsPerSecond}/s (${result.records} records, batches of ${result.batchSize}, ${result.concurrentBatches} in flight)`,
      target: `≥ ${targets.processorPerSecond}/s`,
      holds: result.recordsPerSecond >= targets.processorPerSecond,
    },
    {
      row: '  stored exactly once',
      figure: `${result.storedCount} stored / ${result.distinctMessages} distinct (${result.duplicateOutcomes} duplicates skipped, ${result.redeliveries} redeliveries)`,
      target: 'equal',
      holds: result.storedCountMatches,
    },
  ];
};

const bundleRows = (result: BundlesResult | undefined): Row[] => {
  if (!result) return [{ row: 'ack bundle', figure: 'measurement failed', target: `≤ ${kb(targets.ackBundleBytes)}; import ≤ ${targets.ackImportRatio}× bare SQS client`, failed: true }];
  const ack = result.bundles.find((bundle) => bundle.name === 'ack');
  if (!ack) return [{ row: 'ack bundle', figure: 'no ack bundle', target: '', failed: true }];
  const others = result.bundles.filter((bundle) => bundle !== ack);
  return [
    { row: 'ack bundle, minified', figure: `${kb(ack.bytes)} (${ack.bytes.toLocaleString('en-US')} B)`, target: `≤ ${kb(targets.ackBundleBytes)}`, holds: ack.bytes <= targets.ackBundleBytes },
    {
      row: `ack import, fresh process, median of ${result.runs}`,
      figure: `${ms(ack.importMs)} = ${result.ackToReferenceImportRatio}× bare SQS client (${ms(result.reference.importMs)}, ${kb(result.reference.bytes)})`,
      target: `≤ ${targets.ackImportRatio}×`,
      holds: result.ackToReferenceImportRatio <= targets.ackImportRatio,
    },
    {
      row: "  the ack's dependencies alone: SQS and DynamoDB clients, Powertools Logger and Metrics (info)",
      figure: `${ms(result.dependencyFloor.importMs)} = ${result.floorToReferenceImportRatio}× (${kb(result.dependencyFloor.bytes)})`,
      target: '–',
    },
    {
      row: '  same with --enable-source-maps, as deployed (info)',
      figure: `${ms(ack.importMsWithSourceMaps)} = ${result.ackToReferenceImportRatioWithSourceMaps}× (${ms(result.reference.importMsWithSourceMaps)})`,
      target: '–',
    },
    ...others.map((bundle) => ({
      row: `  ${bundle.name} bundle (info)`,
      figure: `${kb(bundle.bytes)}, import ${ms(bundle.importMs)} (${(bundle.importMs / result.reference.importMs).toFixed(2)}×)`,
      target: '–',
    })),
  ];
};

const mb = (value: number) => `${value} MB`;

const footprintRows = (result: FootprintResult | undefined): Row[] => {
  if (!result) return [{ row: 'footprint per function', figure: 'measurement failed', target: '–', failed: true }];
  return [
    ...result.scenarios.map((scenario) => {
      const [cold, ...warm] = scenario.invocations;
      return {
        row: `footprint at ${scenario.memoryMb} MB, ${scenario.handler}: ${scenario.input}`,
        figure:
          `RSS ${mb(scenario.rssAfterImportMb)} after import, ${mb(scenario.peakRssMb)} peak (heap ${mb(scenario.peakHeapUsedMb)}, buffers ${mb(scenario.peakExternalMb)}); ` +
          `${ms(cold?.wallMs ?? Number.NaN)} cold (CPU ${ms(scenario.cost.cpuMs)})${warm.length > 0 ? `, ${ms(round(median(warm.map((invocation) => invocation.wallMs))))} warm` : ''}`,
        target: '–',
      };
    }),
    ...result.functions.map(({ name, recommendation, confirmation }) => ({
      row: `  ⇒ ${name}: memory, timeout`,
      figure:
        `${mb(recommendation.memoryMb)}, ${recommendation.timeoutSeconds} s (worst case ≈ ${ms(recommendation.projectedWorstMs)} there` +
        `${confirmation ? `; peak ${mb(confirmation.peakRssMb)} when run at ${mb(confirmation.memoryMb)}` : ''})`,
      target: 'rule below',
    })),
  ];
};

/** The rows of one step, its load average on the first. */
const withLoad = (step: string, rows: readonly Row[]): Row[] => {
  const load = stepLoads.find((entry) => entry.step === step);
  return rows.map((row, index) => (index === 0 && load ? { ...row, load: `${load.loadAverageBefore[0]} → ${load.loadAverageAfter[0]}` } : row));
};

const mark = (row: Row) => (row.failed ? 'FAILED' : row.holds === undefined ? '–' : row.holds ? '✓' : '✗');

export const formatTable = (rows: readonly Row[]): string => {
  const header = ['row', 'figure', 'target', 'holds', 'load (1 min)'];
  const cells = rows.map((row) => [row.row, row.figure, row.target, mark(row), row.load ?? '']);
  const widths = header.map((title, column) => Math.max(title.length, ...cells.map((cell) => (cell[column] ?? '').length)));
  const line = (cell: readonly string[]) => `| ${cell.map((text, column) => text.padEnd(widths[column] ?? 0)).join(' | ')} |`;
  return [line(header), `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`, ...cells.map(line)].join('\n');
};

const formatProfile = (profile: ProfileSummary): string =>
  [
    `Top self time: ${profile.what} (${profile.totalMs} ms sampled)`,
    ...profile.topFrames.slice(0, 10).map((frame) => `  ${String(frame.selfPercent).padStart(5)}%  ${frame.frame}`),
    `  by origin: ${profile.byOrigin.slice(0, 6).map((origin) => `${origin.frame} ${origin.selfPercent}%`).join(', ')}`,
  ].join('\n');

const main = async () => {
  const only = parseOnly(process.argv.slice(2));
  const startedAt = new Date();
  const started = performance.now();
  const failures: { step: string; error: string }[] = [];
  const machine = {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    totalMemoryGB: Number((totalmem() / 1e9).toFixed(1)),
    freeMemoryGBAtStart: Number((freemem() / 1e9).toFixed(1)),
    loadAverageAtStart: loadAverage(),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  };

  // Quiet, in-process figures first; then the ones that start JVMs and stacks.
  const titles = {
    hotPath: 'ack hot path',
    ackCounting: 'ack counting',
    processor: 'processor throughput',
    broadcaster: 'local broadcaster throughput',
    footprint: 'footprint per function',
    http: 'local HTTP ack (autocannon)',
    httpPaced: 'local HTTP ack (paced, open loop)',
    e2e: 'end to end',
    e2eMedia: 'end to end with media',
    sending: 'sending',
  } as const;
  const hotPath = only.has('hot-path') ? await attempt(titles.hotPath, 120_000, failures, () => measureAckHotPath()) : undefined;
  const ackCounting = only.has('ack-counting') ? await attempt(titles.ackCounting, 120_000, failures, () => measureAckCounting()) : undefined;
  const bundles = only.has('bundles') ? await attempt('bundles', 120_000, failures, () => measureBundles()) : undefined;
  const processor = only.has('processor') ? await attempt(titles.processor, 120_000, failures, (signal) => measureProcessorThroughput({ signal })) : undefined;
  const broadcaster = only.has('broadcaster') ? await attempt(titles.broadcaster, 180_000, failures, (signal) => measureBroadcasterThroughput({ signal })) : undefined;
  const footprint = only.has('footprint') ? await attempt(titles.footprint, 300_000, failures, (signal) => measureFootprint({ signal })) : undefined;
  // Each phase runs on a fresh stack and drains its own backlog (drain.ts) before it ends.
  const http = only.has('http') ? await attempt(titles.http, 300_000, failures, (signal) => measureHttpAckLoad({ generator: 'autocannon', signal })) : undefined;
  const httpPaced = only.has('http-paced') ? await attempt(titles.httpPaced, 300_000, failures, (signal) => measureHttpAckLoad({ generator: 'paced', signal })) : undefined;
  const e2e = only.has('e2e') ? await attempt(titles.e2e, 150_000, failures, (signal) => measureEndToEnd({ signal })) : undefined;
  const e2eMedia = only.has('e2e-media') ? await attempt(titles.e2eMedia, 180_000, failures, (signal) => measureEndToEndMedia({ signal })) : undefined;
  const sending = only.has('sending') ? await attempt(titles.sending, 300_000, failures, (signal) => measureSending({ signal })) : undefined;

  const rows: Row[] = [
    ...(only.has('hot-path') ? withLoad(titles.hotPath, hotPathRows(hotPath)) : []),
    ...(only.has('ack-counting') ? withLoad(titles.ackCounting, ackCountingRows(ackCounting)) : []),
    ...(only.has('http') ? withLoad(titles.http, httpRows(http, 'autocannon (20 connections)', false)) : []),
    ...(only.has('http-paced') ? withLoad(titles.httpPaced, httpRows(httpPaced, 'paced open loop', true)) : []),
    ...(only.has('e2e') ? withLoad(titles.e2e, endToEndRows(e2e)) : []),
    ...(only.has('e2e-media') ? withLoad(titles.e2eMedia, endToEndMediaRows(e2eMedia)) : []),
    ...(only.has('sending') ? withLoad(titles.sending, sendingRows(sending)) : []),
    ...(only.has('processor') ? withLoad(titles.processor, processorRows(processor)) : []),
    ...(only.has('broadcaster') ? withLoad(titles.broadcaster, broadcasterRows(broadcaster, processor)) : []),
    ...(only.has('bundles') ? withLoad('bundles', bundleRows(bundles)) : []),
    ...(only.has('footprint') ? withLoad(titles.footprint, footprintRows(footprint)) : []),
  ];

  // A missed row gets a profile: where the hot path's time goes, and what the ack import spends.
  const profiles: Record<string, ProfileSummary> = {};
  const hotPathMissed = hotPath?.some(
    (result) => result.provider === hotPathTargetProvider && (result.ackNoopEnqueue.medianUs > targets.hotPathMedianUs || result.ratioNoopToReference > targets.hotPathRatio),
  );
  if (hotPathMissed) {
    const profile = await attempt('profile of the ack hot path', 60_000, failures, () => profileAckHotPath(hotPathTargetProvider, 'noop'));
    if (profile) profiles.ackHotPathNoopEnqueue = profile;
    const sdkProfile = await attempt('profile of the ack hot path with the SDK', 60_000, failures, () => profileAckHotPath(hotPathTargetProvider, 'sqs', 20_000));
    if (sdkProfile) profiles.ackHotPathStubbedSqs = sdkProfile;
  }
  const ack = bundles?.bundles.find((bundle) => bundle.name === 'ack');
  if (bundles && ack && (ack.bytes > targets.ackBundleBytes || bundles.ackToReferenceImportRatio > targets.ackImportRatio)) {
    const profile = await attempt('profile of the ack import', 60_000, failures, () => profileAckImport('ack'));
    if (profile) profiles.ackImport = profile;
  }

  const date = localDate(startedAt);
  // A partial run (--only) never overwrites the day's full results.
  const stem = only.size === steps.length ? date : `${date}-partial`;
  const jsonPath = join(resultsDir, `${stem}.json`);
  const svgPath = join(resultsDir, `${stem}-e2e-latency.svg`);
  const durationSeconds = Number(((performance.now() - started) / 1000).toFixed(1));
  const report = {
    date,
    startedAt: startedAt.toISOString(),
    durationSeconds,
    machine: { ...machine, loadAverageAtEnd: loadAverage() },
    steps: stepLoads,
    targets,
    rows: rows.map((row) => ({ ...row, holds: row.failed ? 'failed' : (row.holds ?? null) })),
    measurements: {
      ackHotPath: hotPath,
      ackCounting,
      httpAckLoad: http,
      httpAckLoadPaced: httpPaced,
      endToEnd: e2e,
      endToEndMedia: e2eMedia,
      sending,
      processor,
      broadcaster,
      bundles,
      footprint,
    },
    profiles,
    notes: [
      'DESIGN §9 names a 2 KB signed Meta payload for the hot path: the target rows are Meta\'s; every other registered provider is measured alongside for information (Twilio parses and sorts its form to sign it; SendGrid and SMS gateways compare a credential).',
      'The hot-path target rows use acknowledge() with a no-op enqueue ("enqueue stubbed"); the stubbed-SQS row adds the SDK\'s SendMessage (serialization, SigV4, MD5 check) without the network.',
      "autocannon's overallRate gives each connection a per-second budget spent back to back at the start of each second (closed loop); the paced run sends one request every 2 ms whatever the answers (open loop) and times each from its scheduled start.",
      'KB = 1000 bytes.',
      "Sending: an in-process local stack sending through a Twilio stand-in the bench holds, which stamps createdAt when it takes a message (same clock as the message's storedAt). The accept load uses 10 short codes and the burst 50, whose documented 100 segments/s keep any number's rate out of the figures; the long code row checks the sender holds Twilio's 1 segment/s. The burst is accepted in the bench process, then queued at once, so the sender sets its pace; its rate is from the first call to the last.",
      "End to end with media: its own fresh `npm start`, signed WhatsApp webhooks on a fixed schedule, a text and a photo in turn (each photo a media id on the stack's Graph API stand-in, fetched with the endpoint's access token), 5 s of warm-up outside the figures; each message timed from its POST to its message.created frame, each photo also to the message.updated frame that carries it ready. Locally the media function shares the machine's CPUs with the stack; on AWS it is a Lambda of its own.",
      'Every stack phase (http, http-paced, e2e) runs on a fresh `npm start` and starts on a drained pipeline: its warm-up stored and broadcast. Drained = the ingest queue holds nothing, waiting or in flight, and every frame the stream\'s records make is in its tenant\'s feed (test/bench/drain.ts).',
      "The broadcaster row: a backlog stored as the processor stores it, then the local stream poller and the broadcaster's worker started on it, as npm start runs them, until a socket of the tenant has every message's frame; set against the processor's distinct messages stored per second in the same run.",
      'Load average: each step\'s 1-minute load when it started → ended beside its first row; steps[] has all three figures. On a machine shared with other work, read the figures beside it.',
      `Footprint: each function runs in a fresh node from its bundle, under the heap limits Lambda sets for measurements.footprint.measuredAtMb, traced and logging as deployed, against the local stand-ins; MB = 10^6 bytes, MiB = 2^20. Recommendation: ${ruleInWords}`,
    ],
    failures,
  };

  await mkdir(resultsDir, { recursive: true });
  await writeFile(`${jsonPath}.tmp`, `${JSON.stringify(report, null, 2)}\n`);
  await rename(`${jsonPath}.tmp`, jsonPath);
  if (e2e) {
    const svg = latencyHistogramSvg(e2e.samplesMs, {
      title: `Webhook → WebSocket frame, local stack, ${e2e.rate} msg/s × ${e2e.seconds} s`,
      subtitle: `${e2e.received} of ${e2e.sent} messages, after ${e2e.coldStart.seconds} s of warm-up · ${date} · ${machine.cpus} CPUs · Node ${machine.node}`,
      markers: [
        { label: `target p50 ${targets.e2eP50Ms} ms`, ms: targets.e2eP50Ms },
        { label: `target p99 ${targets.e2eP99Ms} ms`, ms: targets.e2eP99Ms },
      ],
    });
    await writeFile(`${svgPath}.tmp`, svg);
    await rename(`${svgPath}.tmp`, svgPath);
  }

  const out = [
    '',
    `Switchboard bench · ${date} · ${machine.cpus} × ${machine.cpuModel} · Node ${machine.node} · ${durationSeconds} s`,
    `Load average (1, 5, 15 min): ${machine.loadAverageAtStart.join(' ')} at the start, ${loadAverage().join(' ')} at the end`,
    '',
    formatTable(rows),
    '',
    ...Object.values(profiles).flatMap((profile) => [formatProfile(profile), '']),
    ...(footprint ? [formatRecommendations(footprint), ''] : []),
    ...(profiles.ackImport && bundles
      ? [`What the ack bundle carries beyond the bare SQS client's: ${bundles.ackBeyondReference.slice(0, 8).map(({ input, bytes }) => `${input} ${kb(bytes)}`).join(', ')}`, '']
      : []),
    `Results: ${jsonPath}`,
    ...(e2e ? [`Chart:   ${svgPath}`] : []),
    ...(failures.length > 0 ? ['', `${failures.length} measurement(s) failed:`, ...failures.map((failure) => `  ${failure.step}: ${failure.error.split('\n')[0]}`)] : []),
    '',
  ];
  process.stdout.write(out.join('\n'));
  return failures.length > 0 ? 1 : 0;
};

process.exitCode = await main().catch((error: unknown) => {
  console.error(error);
  return 2;
});
