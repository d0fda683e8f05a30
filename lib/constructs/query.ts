import type { RestApi } from 'aws-cdk-lib/aws-apigateway';
import { Construct } from 'constructs';
import { HandlerFunction } from './handler-function.ts';
import type { StackResources } from './stack-resources.ts';
import { addRestRoutes } from './triggers.ts';

export interface QueryProps {
  /** The REST API that serves the query routes beside the webhooks. */
  readonly api: RestApi;
  /** The tables and the token secret the query function's definition names. */
  readonly resources: StackResources;
}

/**
 * The query API: GET /conversations, GET /conversations/{id}/messages and the long-poll
 * fallback GET /events, each answering only for the tenant of the caller's token, and their
 * CORS preflights (OPTIONS), so that an inbox on another origin can call them.
 */
export class Query extends Construct {
  public readonly queryFunction: HandlerFunction;

  constructor(scope: Construct, id: string, props: QueryProps) {
    super(scope, id);
    this.queryFunction = new HandlerFunction(this, 'QueryFunction', { name: 'query', resources: props.resources });
    addRestRoutes(props.api, 'query', this.queryFunction);
  }
}
