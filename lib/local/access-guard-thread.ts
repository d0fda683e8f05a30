/**
 * A thread of access guards: every call a function makes to a stand-in passes a guard, and
 * proxying them in the thread of the gateways and fauxqs would put the processor's and the
 * broadcaster's traffic on the ack's path. Interactive and background functions each have
 * their own, at their priority.
 */
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { startAccessGuards, type AccessGuardsOptions } from './access-guard.ts';

const port = parentPort;
if (port) {
  const { niceness, ...options } = workerData as Omit<AccessGuardsOptions, 'onDenied'> & { niceness: number };
  // The guards of background functions run as low as those functions (worker-function.ts).
  if (niceness !== 0) setPriority(0, niceness);
  const guards = await startAccessGuards({ ...options, onDenied: (denied) => port.postMessage({ denied }) });
  port.postMessage({ endpoints: guards.endpoints });
}
