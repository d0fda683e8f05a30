import type { RestApi } from 'aws-cdk-lib/aws-apigateway';
import { Construct } from 'constructs';
import { HandlerFunction } from './handler-function.ts';
import type { StackResources } from './stack-resources.ts';
import { addRestRoutes } from './triggers.ts';

export interface HealthCheckProps {
  /** The REST API that serves GET /health beside the webhooks. */
  readonly api: RestApi;
  /** The queues the health function's definition names. */
  readonly resources: StackResources;
}

/** GET /health: liveness, ingest queue depth and age of its oldest message, DLQ depth. */
export class HealthCheck extends Construct {
  public readonly healthFunction: HandlerFunction;

  constructor(scope: Construct, id: string, props: HealthCheckProps) {
    super(scope, id);
    this.healthFunction = new HandlerFunction(this, 'HealthFunction', { name: 'health', resources: props.resources });
    addRestRoutes(props.api, 'health', this.healthFunction);
  }
}
