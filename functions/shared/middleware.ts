import middy, { type MiddlewareObj } from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import type { Context } from 'aws-lambda';
import { logger, metrics } from './powertools.ts';

/**
 * Powertools' logMetrics, less its warning on every invocation that stored no metric: the
 * functions that emit each metric with its own dimensions (emitMetric), or none at all, would
 * log "No application metrics to publish" on every request. The cold-start metric is still
 * captured, and whatever was stored is published once per invocation.
 */
const publishMetrics = (): MiddlewareObj => {
  const publish = () => {
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    else {
      metrics.clearDimensions();
      metrics.clearMetadata();
    }
  };
  return { before: (request) => void metrics.captureColdStartMetric(request.context.functionName), after: publish, onError: publish };
};

/**
 * The one middleware stack every handler gets: an X-Ray segment when given a tracer,
 * structured logs with the Lambda context, and metrics flushed as EMF at the end of each
 * invocation.
 */
export const withMiddleware = <Event, Result>(handler: (event: Event, context: Context) => Promise<Result>, tracer?: Tracer) =>
  middy(handler)
    // Responses can hold message content; traces keep timings, not payloads.
    .use(tracer ? [captureLambdaHandler(tracer, { captureResponse: false })] : [])
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(publishMetrics());

/**
 * withMiddleware for an HTTP handler, with its HTTP middlewares (CORS, authentication, failure
 * answers; before-steps in the order given) in a stack of their own inside the common one. A
 * refusal they answer then reaches the tracer as the answer it is, not as an error (which X-Ray
 * would count as a fault), and an answer given early (a preflight) skips none of the logger's
 * and metrics' after-steps.
 */
export const withHttpMiddleware = <Event, Result, HandlerContext extends Context>(
  handler: (event: Event, context: HandlerContext) => Promise<Result>,
  middlewares: readonly MiddlewareObj<Event, Result, Error, HandlerContext>[],
  tracer?: Tracer,
) => {
  // Typed as Lambda calls it: the middlewares complete the context the handler takes (bearerTenant adds the tenant).
  const inner = middy<Event, Result, Error, HandlerContext>(handler).use([...middlewares]) as unknown as (event: Event, context: Context) => Promise<Result>;
  return withMiddleware(inner, tracer);
};
