import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import type { Context } from 'aws-lambda';
import { logger, metrics } from './powertools.ts';

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
    .use(logMetrics(metrics, { captureColdStartMetric: true }));
