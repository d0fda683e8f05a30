import type { FunctionName } from '../definitions/functions.ts';
import { invokeWithTimeout, timeoutOf } from './lambda-context.ts';
import { prepareSampleEvent } from './sample-events.ts';
import { localEnvironmentOf, type LocalStackDescription } from './stack.ts';
import { WorkerFunction } from './worker-function.ts';

/**
 * `npm run invoke`: one handler on one event, as `sam local invoke` runs it, in a worker of its
 * own with the environment the running local stack gives that function, stopped at its
 * timeout. The event is prepared for that stack first (sample-events.ts).
 */
export const invokeLocally = async (functionName: FunctionName, event: unknown, stack: LocalStackDescription): Promise<unknown> => {
  const fn = new WorkerFunction(functionName, localEnvironmentOf(functionName, stack));
  try {
    return await invokeWithTimeout(fn.handler, await prepareSampleEvent(event, stack), {
      functionName,
      timeoutSeconds: timeoutOf(functionName),
      consequence: 'the invocation failed',
    });
  } finally {
    await fn.stop();
  }
};
