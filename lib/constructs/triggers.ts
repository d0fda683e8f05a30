import { Duration } from 'aws-cdk-lib';
import { LambdaIntegration, type RestApi } from 'aws-cdk-lib/aws-apigateway';
import type { WebSocketApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { FilterCriteria, StartingPosition, type IFunction } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq, SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { functionDefinitions, isHttpTrigger, isQueueTrigger, isStreamTrigger, isWebSocketTrigger, type FunctionName, type Trigger } from '../definitions/functions.ts';
import type { HandlerFunction } from './handler-function.ts';
import { acknowledgeOwnAuthentication } from './nag.ts';
import { required, type StackResources } from './stack-resources.ts';

const triggersOf = (name: FunctionName): readonly Trigger[] => functionDefinitions[name].triggers;

/**
 * The function's REST routes on the API, through `target` (the function, or the alias that
 * keeps it warm). Each route authenticates its callers itself, as its definition says.
 */
export const addRestRoutes = (api: RestApi, name: FunctionName, target: IFunction): void => {
  const integration = new LambdaIntegration(target);
  for (const { http, authenticatedBy } of triggersOf(name).filter(isHttpTrigger)) {
    acknowledgeOwnAuthentication(api.root.resourceForPath(http.path).addMethod(http.method, integration), authenticatedBy);
  }
};

/** The function's WebSocket routes. */
export const addWebSocketRoutes = (api: WebSocketApi, name: FunctionName, fn: IFunction): void => {
  for (const { webSocket, authenticatedBy } of triggersOf(name).filter(isWebSocketTrigger)) {
    // Named after the function: CDK drops a 'Default' path segment from logical ids.
    const integrationId = `${name[0]?.toUpperCase()}${name.slice(1)}`;
    acknowledgeOwnAuthentication(api.addRoute(webSocket, { integration: new WebSocketLambdaIntegration(integrationId, fn) }), authenticatedBy);
  }
};

/** The function's queue and stream event source mappings. */
export const addEventSources = (fn: HandlerFunction, name: FunctionName, resources: StackResources): void => {
  for (const trigger of triggersOf(name).filter(isQueueTrigger)) {
    fn.addEventSource(
      new SqsEventSource(required(resources.queues[trigger.queue], `the ${trigger.queue} queue`), {
        batchSize: trigger.batchSize,
        // Unset is Lambda's own "no window"; the template then shows only what was chosen.
        ...(trigger.maxBatchingWindowSeconds > 0 && { maxBatchingWindow: Duration.seconds(trigger.maxBatchingWindowSeconds) }),
        maxConcurrency: trigger.maxConcurrency,
        // Only the records that failed go back to the queue, not the whole batch.
        reportBatchItemFailures: true,
      }),
    );
  }
  for (const trigger of triggersOf(name).filter(isStreamTrigger)) {
    fn.addEventSource(
      new DynamoEventSource(resources.tables[trigger.stream], {
        // Clients catch up through the query API; replaying a backlog onto sockets helps nobody.
        startingPosition: StartingPosition.LATEST,
        batchSize: trigger.batchSize,
        retryAttempts: trigger.retryAttempts,
        bisectBatchOnError: trigger.bisectBatchOnError,
        maxRecordAge: Duration.seconds(trigger.maxRecordAgeSeconds),
        reportBatchItemFailures: true,
        // The pattern is Lambda's own filter syntax already (a list of values means "any of").
        filters: [FilterCriteria.filter(trigger.filter)],
        onFailure: new SqsDlq(required(resources.queues[trigger.onFailure], `the ${trigger.onFailure} queue`)),
      }),
    );
  }
};
