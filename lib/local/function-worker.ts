/**
 * The inside of one local function's worker thread: its own module graph, its own
 * process.env (only what its definition gives it), its own event loop, as a Lambda execution
 * environment. It loads the handler once (its cold start) and runs each invocation it is sent.
 */
import { enableCompileCache } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';
import { lambdaContext, type LambdaHandler } from './lambda-context.ts';

export interface InvocationMessage {
  readonly id: number;
  readonly event: unknown;
  /** What is left of the invocation's timeout when it is sent. */
  readonly remainingMs: number;
}

export type WorkerAnswer =
  | { readonly ready: true }
  | { readonly initError: SerializedError }
  | { readonly id: number; readonly result: unknown }
  | { readonly id: number; readonly error: SerializedError };

export interface SerializedError {
  readonly name: string;
  readonly message: string;
}

/** What crosses the thread boundary of an error: its name and message, as Lambda reports errorType and errorMessage. */
export const serializeError = (error: unknown): SerializedError =>
  error instanceof Error ? { name: error.name, message: error.message } : { name: 'Error', message: String(error) };

const port = parentPort;
if (port) {
  const { functionName } = workerData as { functionName: string };
  const post = (answer: WorkerAnswer) => port.postMessage(answer);
  try {
    // Each environment loads its handler's whole module graph anew, as a cold start does; V8's
    // code cache (in the OS's temporary folder, or NODE_COMPILE_CACHE) halves that locally.
    enableCompileCache();
    const { handler } = (await import(`../../functions/${functionName}/handler.ts`)) as { handler: LambdaHandler };
    port.on('message', ({ id, event, remainingMs }: InvocationMessage) => {
      handler(event, lambdaContext(functionName, remainingMs)).then(
        (result) => post({ id, result }),
        (error: unknown) => post({ id, error: serializeError(error) }),
      );
    });
    post({ ready: true });
  } catch (error) {
    post({ initError: serializeError(error) });
  }
}
