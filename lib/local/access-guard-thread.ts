/**
 * The access guards' own thread: every call a function makes to a stand-in passes a guard, and
 * proxying them in the thread of the gateways and fauxqs would put the processor's and the
 * broadcaster's traffic on the ack's path.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { startAccessGuards, type AccessGuardsOptions } from './access-guard.ts';

const port = parentPort;
if (port) {
  const options = workerData as Omit<AccessGuardsOptions, 'onDenied'>;
  const guards = await startAccessGuards({ ...options, onDenied: (denied) => port.postMessage({ denied }) });
  port.postMessage({ endpoints: guards.endpoints });
}
