import { Duration } from 'aws-cdk-lib';
import { WebSocketApi, WebSocketStage } from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { FilterCriteria, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { broadcastFilterPattern, broadcasterSettings } from '../definitions/pipeline.ts';
import { HandlerFunction } from './handler-function.ts';

export interface RealtimeProps {
  /** Open connections, found by tenant through its `byTenant` index. */
  readonly connectionsTable: ITable;
  /** The table whose stream carries every change a client should see. */
  readonly messagesTable: ITable;
  /** The WebSocket API's stage, the path of its URL. */
  readonly stageName: string;
}

/**
 * The push side: a WebSocket API that admits only clients with a valid token, and the
 * broadcaster that turns each stored change into a frame for the tenant's connections.
 */
export class Realtime extends Construct {
  public readonly webSocketApi: WebSocketApi;
  public readonly stage: WebSocketStage;
  /** `wss://…/<stage>`: clients connect here with `?token=<JWT>`. */
  public readonly webSocketUrl: string;
  /** The key inbox tokens are signed with (HS256), read by $connect and the CLI. */
  public readonly jwtSecret: Secret;
  public readonly connectFunction: HandlerFunction;
  public readonly disconnectFunction: HandlerFunction;
  public readonly broadcasterFunction: HandlerFunction;
  /** Where the stream mapping sends what still fails after its retries: pointers to records never pushed. */
  public readonly broadcastFailureQueue: Queue;

  constructor(scope: Construct, id: string, props: RealtimeProps) {
    super(scope, id);
    const { connectionsTable, messagesTable } = props;

    this.jwtSecret = new Secret(this, 'JwtSecret', {
      description: 'Switchboard: key that signs inbox tokens',
      generateSecretString: { excludePunctuation: true, passwordLength: 48 },
    });

    this.connectFunction = new HandlerFunction(this, 'ConnectFunction', {
      name: 'connect',
      environment: { CONNECTIONS_TABLE: connectionsTable.tableName, JWT_SECRET_ARN: this.jwtSecret.secretArn },
    });
    connectionsTable.grantWriteData(this.connectFunction);
    this.jwtSecret.grantRead(this.connectFunction);

    this.disconnectFunction = new HandlerFunction(this, 'DisconnectFunction', {
      name: 'disconnect',
      environment: { CONNECTIONS_TABLE: connectionsTable.tableName },
    });
    connectionsTable.grantWriteData(this.disconnectFunction);

    this.webSocketApi = new WebSocketApi(this, 'Api', {
      description: 'Switchboard inbox push',
      connectRouteOptions: { integration: new WebSocketLambdaIntegration('Connect', this.connectFunction) },
      disconnectRouteOptions: { integration: new WebSocketLambdaIntegration('Disconnect', this.disconnectFunction) },
    });
    this.stage = new WebSocketStage(this, 'Stage', {
      webSocketApi: this.webSocketApi,
      stageName: props.stageName,
      autoDeploy: true,
    });
    this.webSocketUrl = this.stage.url;

    this.broadcasterFunction = new HandlerFunction(this, 'BroadcasterFunction', {
      name: 'broadcaster',
      timeout: Duration.seconds(broadcasterSettings.timeoutSeconds),
      environment: {
        CONNECTIONS_TABLE: connectionsTable.tableName,
        // https://<api>.execute-api.<region>.<suffix>/<stage>, from the API id and the literal stage name.
        WEBSOCKET_MANAGEMENT_ENDPOINT: this.stage.callbackUrl,
      },
    });
    // Read to find a tenant's connections, write to forget the ones that are gone.
    connectionsTable.grantReadWriteData(this.broadcasterFunction);
    this.stage.grantManagementApiAccess(this.broadcasterFunction);

    this.broadcastFailureQueue = new Queue(this, 'BroadcastFailures', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.broadcasterFunction.addEventSource(
      new DynamoEventSource(messagesTable, {
        // Clients catch up through the query API; replaying a backlog onto sockets helps nobody.
        startingPosition: StartingPosition.LATEST,
        batchSize: broadcasterSettings.batchSize,
        retryAttempts: broadcasterSettings.retryAttempts,
        bisectBatchOnError: broadcasterSettings.bisectBatchOnError,
        maxRecordAge: Duration.seconds(broadcasterSettings.maxRecordAgeSeconds),
        reportBatchItemFailures: true,
        // The pattern is Lambda's own filter syntax already (a list of values means "any of").
        filters: [FilterCriteria.filter(broadcastFilterPattern)],
        onFailure: new SqsDlq(this.broadcastFailureQueue),
      }),
    );
  }
}
