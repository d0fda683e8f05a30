import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { settleWithin } from '../../functions/core/settle-within.ts';
import { functionSizes } from '../definitions/functions.ts';

/** The Lambda context a locally invoked handler receives, with a real deadline. */
export const lambdaContext = (functionName: string, timeoutMs = 30_000): Context => {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: String(Object.hasOwn(functionSizes, functionName) ? functionSizes[functionName as keyof typeof functionSizes].memoryMb : 128),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
};

export type LambdaHandler<Event = unknown, Result = unknown> = (event: Event, context: Context) => Promise<Result>;

/** Loads a function's handler module the way Lambda does: its top level runs once, at first use. */
export const loadHandler = async <Event, Result>(functionName: string): Promise<LambdaHandler<Event, Result>> => {
  const module = (await import(`../../functions/${functionName}/handler.ts`)) as { handler: LambdaHandler<Event, Result> };
  return module.handler;
};

/** Lambda's "Task timed out": the invocation failed at the function's configured timeout. */
export class InvocationTimedOut extends Error {
  constructor(functionName: string, timeoutSeconds: number, consequence: string) {
    super(`${functionName} timed out after ${timeoutSeconds} s, its configured timeout: ${consequence}`);
    this.name = 'InvocationTimedOut';
    // One line in the log, like Lambda's: the poller's stack says nothing about the handler.
    this.stack = `${this.name}: ${this.message}`;
  }
}

/**
 * A function's configured timeout (lib/definitions/functions.ts), or API Gateway's own 29 s
 * for a local route that stands for no function (the inbox's config.json).
 */
export const timeoutOf = (functionName: string): number =>
  Object.hasOwn(functionSizes, functionName) ? functionSizes[functionName as keyof typeof functionSizes].timeoutSeconds : 29;

export interface TimedInvocation {
  readonly functionName: string;
  readonly timeoutSeconds: number;
  /** What the caller does with the failed invocation, for the log line (e.g. "its 3 records return to the queue"). */
  readonly consequence: string;
}

/**
 * Invokes a handler as Lambda does, stopped at its timeout: the context counts down to that
 * deadline, and at it the invocation fails with InvocationTimedOut. A promise cannot be
 * killed, so the handler may still finish later, like a frozen Lambda that resumes: whatever
 * it then returns or throws is ignored (its late writes are possible, and harmless only
 * because the handlers are idempotent).
 */
export const invokeWithTimeout = async <Event, Result>(
  handler: LambdaHandler<Event, Result>,
  event: Event,
  { functionName, timeoutSeconds, consequence }: TimedInvocation,
): Promise<Result> => {
  const timeoutMs = timeoutSeconds * 1000;
  return settleWithin(handler(event, lambdaContext(functionName, timeoutMs)), timeoutMs, () => new InvocationTimedOut(functionName, timeoutSeconds, consequence));
};
