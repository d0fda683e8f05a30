import { describe, expect, it } from 'vitest';
import { costOf, lambdaNodeFlags, projectedMs, recommend, sizing, type SizingInput } from '../../bench/footprint.ts';

const aFunction = (overrides: Partial<SizingInput> = {}): SizingInput => ({
  name: 'worker',
  caller: 'queue',
  peakRssMb: 90,
  costs: [{ cpuMs: 30, waitMs: 5 }],
  chainedCalls: 1,
  ...overrides,
});

describe('lambdaNodeFlags', () => {
  it("gives V8 the heap limits Lambda's Node.js bootstrap derives from the memory size", () => {
    expect(lambdaNodeFlags(256)).toEqual(['--expose-gc', '--max-http-header-size', '81920', '--max-semi-space-size=12', '--max-old-space-size=231']);
  });
});

describe('costOf', () => {
  it('takes the most CPU any invocation used and the least time any spent waiting', () => {
    // Act
    const cost = costOf([
      { cpuMs: 90, wallMs: 140 },
      { cpuMs: 40, wallMs: 45 },
      { cpuMs: 50, wallMs: 40 },
    ]);

    // Assess: the third waited on nothing (its CPU time ran on a second thread).
    expect(cost).toEqual({ cpuMs: 90, waitMs: 0 });
  });
});

describe('projectedMs', () => {
  it('stretches CPU time by the CPU share below one vCPU, and not past it', () => {
    const cost = { cpuMs: 100, waitMs: 20 };

    expect(projectedMs(cost, sizing.fullVcpuMb / 4)).toBe(420);
    expect(projectedMs(cost, sizing.fullVcpuMb * 2)).toBe(120);
  });
});

describe('recommend', () => {
  it('gives the floor to a function whose doubled peak is below it', () => {
    // Act
    const recommendation = recommend(aFunction({ peakRssMb: 110 }));

    // Assess
    expect(recommendation.memoryMb).toBe(256);
    expect(recommendation.memoryReason).toMatch(/^the floor/);
  });

  it('doubles the peak RSS, rounded up to the next 128 MB step', () => {
    expect(recommend(aFunction({ peakRssMb: 253 })).memoryMb).toBe(512);
    expect(recommend(aFunction({ peakRssMb: 257 })).memoryMb).toBe(640);
  });

  it("grows the ack's memory until a warm common ack's CPU time fits its budget", () => {
    // Act: 2.2 ms of CPU is 15 ms at 256 MB, 10.2 ms at 384 and 7.6 ms at 512.
    const recommendation = recommend(aFunction({ caller: 'api', commonCaseCpuMs: 2.2 }));

    // Assess
    expect(recommendation.memoryMb).toBe(512);
    expect(recommendation.memoryReason).toMatch(/^ack latency/);
  });

  it("grows the ack's memory until its largest body answers within the tail bound", () => {
    // Act: 200 ms of CPU is 1.38 s at 256 MB, 0.92 s at 384.
    const recommendation = recommend(aFunction({ caller: 'api', commonCaseCpuMs: 1, costs: [{ cpuMs: 200, waitMs: 0 }] }));

    // Assess
    expect(recommendation.memoryMb).toBe(384);
  });

  it('covers three times the projected worst case plus the retries of every chained call, in 5 s steps', () => {
    // Act: 1 s of CPU at 512 MB is 3.46 s; 3 × 3.46 + 6 × 3 = 28.4 s.
    const recommendation = recommend(aFunction({ peakRssMb: 250, costs: [{ cpuMs: 1000, waitMs: 0 }, { cpuMs: 10, waitMs: 50 }], chainedCalls: 6 }));

    // Assess
    expect(recommendation).toMatchObject({ memoryMb: 512, timeoutSeconds: 30, projectedWorstMs: 3455 });
  });

  it("keeps a design's own timeout when the worst case needs less", () => {
    // Act
    const recommendation = recommend(aFunction({ caller: 'api', designTimeoutSeconds: 28 }));

    // Assess
    expect(recommendation.timeoutSeconds).toBe(28);
    expect(recommendation.timeoutReason).toMatch(/^its design/);
  });

  it("never lets a function behind API Gateway outlive the gateway's wait", () => {
    // Act
    const recommendation = recommend(aFunction({ caller: 'api', chainedCalls: 12 }));

    // Assess
    expect(recommendation.timeoutSeconds).toBe(28);
    expect(recommendation.timeoutReason).toMatch(/^API Gateway's 29 s/);
  });
});
