import type { RestApi } from 'aws-cdk-lib/aws-apigateway';
import { LambdaIntegration } from 'aws-cdk-lib/aws-apigateway';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { HandlerFunction } from './handler-function.ts';
import { acknowledgeOwnAuthentication } from './nag.ts';

export interface HealthCheckProps {
  /** The REST API that serves GET /health beside the webhooks. */
  readonly api: RestApi;
  readonly queue: IQueue;
  readonly deadLetterQueue: IQueue;
}

/** GET /health: liveness, ingest queue depth and age of its oldest message, DLQ depth. */
export class HealthCheck extends Construct {
  public readonly healthFunction: HandlerFunction;

  constructor(scope: Construct, id: string, props: HealthCheckProps) {
    super(scope, id);
    this.healthFunction = new HandlerFunction(this, 'HealthFunction', {
      name: 'health',
      environment: { INGEST_QUEUE_URL: props.queue.queueUrl, DEAD_LETTER_QUEUE_URL: props.deadLetterQueue.queueUrl },
    });
    for (const queue of [props.queue, props.deadLetterQueue]) queue.grant(this.healthFunction, 'sqs:GetQueueAttributes');
    // GetMetricData has no resource-level permissions: '*' is the only resource it accepts.
    this.healthFunction.addToRolePolicy(new PolicyStatement({ actions: ['cloudwatch:GetMetricData'], resources: ['*'] }));
    acknowledgeOwnAuthentication(
      props.api.root.addResource('health').addMethod('GET', new LambdaIntegration(this.healthFunction)),
      "A load balancer's or uptime checker's probe: it reads three queue figures, no messages and no tenant's data.",
    );
  }
}
