import { LambdaIntegration, type RestApi } from 'aws-cdk-lib/aws-apigateway';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { HandlerFunction } from './handler-function.ts';
import { acknowledgeOwnAuthentication, acknowledgeTableIndexes } from './nag.ts';
import type { ReservedConcurrency } from './throttling.ts';

export interface QueryProps {
  /** The REST API that serves the query routes beside the webhooks. */
  readonly api: RestApi;
  /** Conversations and messages, read by key and through its indexes. */
  readonly messagesTable: ITable;
  /** Each tenant's change feed, which GET /events reads. */
  readonly feedTable: ITable;
  /** How inbox tokens are checked, the same as the WebSocket's $connect. */
  readonly tokens: { readonly tokenEnvironment: Readonly<Record<string, string>>; grantTokenVerification(fn: HandlerFunction): void };
  /**
   * The query function's cap (and guaranteed share) of the account's Lambda concurrency.
   *
   * @default - none reserved
   */
  readonly reservedConcurrency?: Pick<ReservedConcurrency, 'query'>;
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
    // Capped: each long-poll holds an instance up to 25 s, so a token holder polling in a loop
    // from many clients could otherwise take the account's whole concurrency, the ack's included.
    this.queryFunction = new HandlerFunction(this, 'QueryFunction', {
      name: 'query',
      environment: { MESSAGES_TABLE: props.messagesTable.tableName, FEED_TABLE: props.feedTable.tableName, ...props.tokens.tokenEnvironment },
      ...(props.reservedConcurrency && { reservedConcurrency: props.reservedConcurrency.query }),
    });
    // Read only: a key lookup and index queries (grant covers the table's indexes), never a scan or a write.
    props.messagesTable.grant(this.queryFunction, 'dynamodb:GetItem', 'dynamodb:Query');
    acknowledgeTableIndexes(this.queryFunction, props.messagesTable);
    // A tenant's counter by key, and its feed's range after a cursor.
    props.feedTable.grant(this.queryFunction, 'dynamodb:GetItem', 'dynamodb:Query');
    props.tokens.grantTokenVerification(this.queryFunction);

    const integration = new LambdaIntegration(this.queryFunction);
    const conversations = props.api.root.addResource('conversations');
    const messages = conversations.addResource('{id}').addResource('messages');
    const events = props.api.root.addResource('events');
    // OPTIONS goes to the function, which answers the CORS preflight of an inbox hosted
    // elsewhere: a mock preflight fails on this API, which treats every media type as binary.
    for (const resource of [conversations, messages, events]) {
      acknowledgeOwnAuthentication(
        resource.addMethod('GET', integration),
        "The query function verifies the caller's bearer token (the same as the WebSocket's) and answers for that token's tenant only.",
      );
      acknowledgeOwnAuthentication(
        resource.addMethod('OPTIONS', integration),
        'A CORS preflight carries no credentials by definition; it is answered with headers only and reads nothing.',
      );
    }
  }
}
