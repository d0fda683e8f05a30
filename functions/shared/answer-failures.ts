import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { errorResponse, failureReason, failureStatus, isDomainFailure } from './http.ts';

export interface FailureAnswers<Event> {
  /** The status a replayed request gets, when the caller's protocol wants its own (the provider's edge says). */
  replayStatusOf?(event: Event): number | undefined;
  /** Told of each refusal and unavailability answered, before it is answered: to count and log it. */
  onFailure?(event: Event, failure: { readonly reason: string; readonly statusCode: number }): void;
}

/**
 * The one middleware that turns what the core throws into an HTTP answer: a refusal or an
 * unavailability (core/errors.ts) into its status, message and headers (shared/http.ts), its
 * metric reason and log line (through `onFailure`), anything else into a generic 500. Use it
 * inside withHttpMiddleware, so that the tracer sees the answer, not the error.
 */
export const answerFailures = <Event>(options: FailureAnswers<Event> = {}): MiddlewareObj<Event, APIGatewayProxyResult> => ({
  onError: (request) => {
    const { error, event } = request;
    const replayStatus = options.replayStatusOf?.(event);
    if (isDomainFailure(error)) options.onFailure?.(event, { reason: failureReason(error), statusCode: failureStatus(error, replayStatus) });
    request.response = errorResponse(error, replayStatus);
  },
});
