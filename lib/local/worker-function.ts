import { Worker } from 'node:worker_threads';
import { functionDefinitions, type FunctionName } from '../definitions/functions.ts';
import type { LambdaHandler } from './lambda-context.ts';
import type { InvocationMessage, SerializedError, WorkerAnswer } from './function-worker.ts';

const workerEntry = new URL('./function-worker.ts', import.meta.url);

/** An error as the function threw it, named as it was: no stack from the other thread reaches the terminal. */
const revived = ({ name, message }: SerializedError): Error => Object.assign(new Error(message), { name, stack: `${name}: ${message}` });

/** Lambda's "Runtime exited": the environment died with invocations in flight. */
export class RuntimeExited extends Error {
  constructor(functionName: string, reason: string) {
    super(`${functionName}'s runtime exited (${reason}): its invocations in flight failed, and the next one starts a new environment`);
    this.name = 'RuntimeExited';
    this.stack = `${this.name}: ${this.message}`;
  }
}

interface Pending {
  resolve(result: unknown): void;
  reject(error: Error): void;
}

/**
 * One function of the local stack, run as Lambda runs it: in a worker thread of its own, with
 * only the environment its definition gives it (lib/definitions/functions.ts), a heap capped at
 * its memory size, and its invocations stopped at their deadline. A worker runs the
 * invocations it is sent concurrently, as Lambda Managed Instances do; when one outlives its
 * deadline, or the worker dies (out of memory, an uncaught error), the worker is ended with
 * everything in flight, like a Lambda environment that times out, and the next invocation
 * starts a fresh one (a cold start).
 */
export class WorkerFunction {
  readonly name: FunctionName;
  readonly #environment: Readonly<Record<string, string>>;
  #worker?: Worker;
  #ready?: Promise<void>;
  #nextId = 0;
  readonly #pending = new Map<number, Pending>();
  #stopped = false;

  constructor(name: FunctionName, environment: Readonly<Record<string, string>>) {
    this.name = name;
    this.#environment = environment;
  }

  /** Starts the environment and loads the handler; rejects with the handler's own error if it cannot start (a missing variable, say). */
  start(): Promise<void> {
    if (this.#ready) return this.#ready;
    const worker = new Worker(workerEntry, {
      env: { ...this.#environment },
      workerData: { functionName: this.name },
      resourceLimits: { maxOldGenerationSizeMb: functionDefinitions[this.name].memoryMb },
    });
    this.#worker = worker;
    this.#ready = new Promise((resolve, reject) => {
      worker.on('message', (answer: WorkerAnswer) => {
        if ('ready' in answer) resolve();
        else if ('initError' in answer) {
          reject(revived(answer.initError));
          this.#reset(worker);
        } else this.#settle(answer);
      });
      worker.on('error', (error) => {
        reject(error);
        this.#fail(worker, error.message);
      });
      worker.on('exit', (code) => {
        reject(new RuntimeExited(this.name, `exit code ${code}`));
        this.#fail(worker, `exit code ${code}`);
      });
    });
    // A failed start is reported to whoever awaits it; it must not also be an unhandled rejection.
    this.#ready.catch(() => undefined);
    return this.#ready;
  }

  /** The function as a handler the gateways and pollers invoke: the context's remaining time is the invocation's deadline. */
  readonly handler: LambdaHandler = async (event, context) => {
    if (this.#stopped) throw new RuntimeExited(this.name, 'the local stack is stopping');
    await this.start();
    const worker = this.#worker;
    if (!worker) throw new RuntimeExited(this.name, 'no environment');
    const id = this.#nextId++;
    const remainingMs = context.getRemainingTimeInMillis();
    return new Promise((resolve, reject) => {
      // Past its deadline the invocation is stopped with its environment, as Lambda stops it.
      const deadline = setTimeout(() => this.#fail(worker, `an invocation ran past its ${functionDefinitions[this.name].timeoutSeconds} s timeout`), remainingMs);
      const done = () => clearTimeout(deadline);
      this.#pending.set(id, {
        resolve: (result) => (done(), resolve(result)),
        reject: (error) => (done(), reject(error)),
      });
      worker.postMessage({ id, event, remainingMs } satisfies InvocationMessage);
    });
  };

  async stop(): Promise<void> {
    this.#stopped = true;
    const worker = this.#worker;
    if (worker) {
      this.#fail(worker, 'the local stack is stopping');
      await worker.terminate();
    }
  }

  #settle(answer: Extract<WorkerAnswer, { id: number }>): void {
    const pending = this.#pending.get(answer.id);
    if (!pending) return;
    this.#pending.delete(answer.id);
    if ('error' in answer) pending.reject(revived(answer.error));
    else pending.resolve(answer.result);
  }

  /** Ends this environment with every invocation in flight; the next invocation starts another. */
  #fail(worker: Worker, reason: string): void {
    if (this.#worker !== worker) return;
    const error = new RuntimeExited(this.name, reason);
    for (const pending of this.#pending.values()) pending.reject(error);
    this.#pending.clear();
    this.#reset(worker);
  }

  #reset(worker: Worker): void {
    if (this.#worker !== worker) return;
    this.#worker = undefined;
    this.#ready = undefined;
    void worker.terminate();
  }
}
