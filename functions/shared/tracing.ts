import type { Tracer } from '@aws-lambda-powertools/tracer';

/**
 * Powertools Tracer where X-Ray can receive its segments: in Lambda (not SAM local) with
 * tracing left on, the same rule Tracer applies to itself. Elsewhere the module is never
 * loaded, because importing it loads aws-xray-sdk-core, whose cls-hooked async hooks then
 * run on every promise in the process: 5% of the local stack's CPU under load, for
 * segments nobody receives.
 */
const xrayReachable =
  (process.env.AWS_EXECUTION_ENV ?? '') !== '' &&
  (process.env.AWS_SAM_LOCAL ?? '') === '' &&
  (process.env.POWERTOOLS_TRACE_ENABLED ?? '').toLowerCase() !== 'false';

export const tracer: Tracer | undefined = xrayReachable
  ? new (await import('@aws-lambda-powertools/tracer')).Tracer({ serviceName: 'switchboard' })
  : undefined;

/** An SDK client whose calls become X-Ray subsegments when tracing is on; the client itself otherwise. */
export const traced = <Client>(client: Client): Client => (tracer ? tracer.captureAWSv3Client(client) : client);
