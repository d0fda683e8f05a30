import { Duration } from 'aws-cdk-lib';
import { LambdaIntegration, type RestApi } from 'aws-cdk-lib/aws-apigateway';
import type { WebSocketApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { FilterCriteria, StartingPosition, type IFunction } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq, SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import {
  functionDefinitions,
  isHttpTrigger,
  isQueueTrigger,
  isScheduleTrigger,
  isStreamTrigger,
  isWebSocketTrigger,
  type FunctionName,
  type Trigger,
} from '../definitions/functions.ts';
import type { HandlerFunction } from './handler-function.ts';
import { acknowledgeOwnAuthentication } from './nag.ts';
import { capitalized } from './names.ts';
import { required, type StackResources } from './stack-resources.ts';

const triggersOf = (name: FunctionName): readonly Trigger[] => functionDefinitions[name].triggers;

/**
 * The function's REST routes on the API, through `target` (the function, or the alias that
 * keeps it warm). Each route authenticates its callers itself, as its definition says.
 */
export const addRestRoutes = (api: RestApi, name: FunctionName, target: IFunction): void => {
  const integration = new LambdaIntegration(target);
  for (const { http, authenticatedBy } of triggersOf(name).filter(isHttpTrigger)) {
    const resource = api.root.resourceForPath(http.path);
    // CDK's own "already a Construct with name" would not say which declarations collide.
    if (resource.node.tryFindChild(http.method)) {
      throw new Error(`${name} declares ${http.method} ${http.path}, which another function already serves: each route goes to one function (lib/definitions/functions.ts)`);
    }
    acknowledgeOwnAuthentication(resource.addMethod(http.method, integration), authenticatedBy);
  }
};

/** The function's WebSocket routes. */
export const addWebSocketRoutes = (api: WebSocketApi, name: FunctionName, fn: IFunction): void => {
  for (const { webSocket, authenticatedBy } of triggersOf(name).filter(isWebSocketTrigger)) {
    // Named after the function: CDK drops a 'Default' path segment from logical ids.
    acknowledgeOwnAuthentication(api.addRoute(webSocket, { integration: new WebSocketLambdaIntegration(capitalized(name), fn) }), authenticatedBy);
  }
};

/** The function's EventBridge schedules: a rule per schedule, invoking the function every `rateMinutes`. */
export const addSchedules = (fn: HandlerFunction, name: FunctionName): void => {
  triggersOf(name)
    .filter(isScheduleTrigger)
    .forEach(({ schedule }, index) => {
      new Rule(fn, `Schedule${index}`, {
        description: `Switchboard: runs the ${name} function every ${schedule.rateMinutes} minutes`,
        schedule: Schedule.rate(Duration.minutes(schedule.rateMinutes)),
        targets: [new LambdaFunction(fn)],
      });
    });
};

/** The function's queue and stream event source mappings: one per trigger, however many queues it reads. */
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
