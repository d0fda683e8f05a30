/**
 * Memory and timeout of each function, as `npm run bench` recommended them from measured
 * figures (its footprint step: each bundle run on its worst case; the rule is `sizing` in
 * test/bench/footprint.ts). The run they come from is bench/results/2026-11-23-footprint.json,
 * and the README's "Memory and timeout per function" gives each one's reason. A test holds
 * these to that file, so a new measurement and a new size land together.
 */

export interface FunctionSize {
  /** Lambda allots CPU in proportion to memory (1769 MB is one vCPU). */
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
}

export const functionSizes = {
  /** More CPU than memory needs: a warm ack's CPU time is the provider's wait. */
  ack: { memoryMb: 384, timeoutSeconds: 20 },
  /** Ten 4 MiB emails in one batch peak at 283 MB. */
  processor: { memoryMb: 640, timeoutSeconds: 30 },
  /** Signing 2,500 frames of a full batch is CPU-bound. */
  broadcaster: { memoryMb: 384, timeoutSeconds: 45 },
  /** The long-poll waits up to 25 s; API Gateway REST gives up at 29 s. */
  query: { memoryMb: 256, timeoutSeconds: 28 },
  connect: { memoryMb: 256, timeoutSeconds: 10 },
  socket: { memoryMb: 256, timeoutSeconds: 10 },
  disconnect: { memoryMb: 256, timeoutSeconds: 5 },
  health: { memoryMb: 256, timeoutSeconds: 5 },
} as const satisfies Record<string, FunctionSize>;

/** A handler's folder under functions/: its entry is functions/<name>/handler.ts. */
export type FunctionName = keyof typeof functionSizes;
