import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Context } from 'aws-lambda';
import { logger } from './powertools.ts';

/** The one middleware stack every handler gets: structured logs with the Lambda context. */
export const withMiddleware = <Event, Result>(handler: (event: Event, context: Context) => Promise<Result>) =>
  middy(handler).use(injectLambdaContext(logger, { resetKeys: true }));
