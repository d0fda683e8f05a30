import { Duration, Stack, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { CfnRoute, LogGroupLogDestination, WebSocketApi, WebSocketStage } from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { FilterCriteria, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { broadcastFilterPattern, broadcasterSettings } from '../definitions/pipeline.ts';
import { HandlerFunction } from './handler-function.ts';
import type { ReservedConcurrency, StageThrottle } from './throttling.ts';
import { acknowledgeOwnAuthentication, acknowledgeTableIndexes, acknowledgeWildcardResource } from './nag.ts';

/** One access log line per connect, message and disconnect: who, which route, what came of it. */
const webSocketAccessLogFields = {
  requestId: '$context.requestId',
  requestTime: '$context.requestTime',
  eventType: '$context.eventType',
  routeKey: '$context.routeKey',
  connectionId: '$context.connectionId',
  sourceIp: '$context.identity.sourceIp',
  status: '$context.status',
  integrationLatency: '$context.integrationLatency',
  error: '$context.error.message',
};

/** An OIDC issuer (Cognito, Auth0, Keycloak…) whose tokens $connect accepts instead of the shared secret's. */
export interface OidcProps {
  /** Must equal the tokens' `iss` exactly, e.g. https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC, https://tenant.eu.auth0.com/ */
  readonly issuer: string;
  /** The issuer's public keys: Cognito and Auth0 <issuer>/.well-known/jwks.json, Keycloak <issuer>/protocol/openid-connect/certs. */
  readonly jwksUrl: string;
  /**
   * Tokens must name it in `aud` (Cognito ID tokens: the app client id; Auth0: the API identifier).
   * Required: without it a token the issuer made for any other application would be accepted.
   */
  readonly audience: string;
  /**
   * The claim holding the tenant id (Cognito custom attributes: `custom:tenant`).
   *
   * @default 'tenant'
   */
  readonly tenantClaim?: string;
}

export interface RealtimeProps {
  /** Open connections, found by tenant through its `byTenant` index. */
  readonly connectionsTable: ITable;
  /** The table whose stream carries every change a client should see. */
  readonly messagesTable: ITable;
  /** Each tenant's change feed, which the broadcaster numbers and writes every frame into before pushing it. */
  readonly feedTable: ITable;
  /** The WebSocket API's stage, the path of its URL. */
  readonly stageName: string;
  /**
   * Verify connecting clients' tokens against this issuer's JWKS.
   *
   * @default - HS256 tokens signed with the stack's shared secret (`switchboard token`)
   */
  readonly oidc?: OidcProps;
  /** The longest lifetime of an HS256 token signed with the shared secret that $connect and the query API accept. */
  readonly tokenMaxLifetimeSeconds: number;
  /** API Gateway's throttle on the stage: connects and client messages together. */
  readonly webSocketThrottle: StageThrottle;
  /**
   * The cap (and guaranteed share) of the account's Lambda concurrency for $connect and client messages.
   *
   * @default - none reserved
   */
  readonly reservedConcurrency?: Pick<ReservedConcurrency, 'connect' | 'socket'>;
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
  /** What a function that checks inbox tokens needs in its environment (functions/shared/token-verifier.ts). */
  public readonly tokenEnvironment: Readonly<Record<string, string>>;
  readonly #oidc: boolean;
  public readonly connectFunction: HandlerFunction;
  public readonly disconnectFunction: HandlerFunction;
  /** $default: answers ping and stores subscriptions. */
  public readonly socketFunction: HandlerFunction;
  public readonly broadcasterFunction: HandlerFunction;
  /** Where the stream mapping sends what still fails after its retries: pointers to records never pushed. */
  public readonly broadcastFailureQueue: Queue;

  constructor(scope: Construct, id: string, props: RealtimeProps) {
    super(scope, id);
    const { connectionsTable, messagesTable, feedTable, oidc } = props;
    this.#oidc = oidc !== undefined;

    this.jwtSecret = new Secret(this, 'JwtSecret', {
      description: 'Switchboard: key that signs inbox tokens',
      generateSecretString: { excludePunctuation: true, passwordLength: 48 },
    });
    Validations.of(this.jwtSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Rotating the signing key signs every inbox out at once, so it is an operator decision (README: rotating the token key); an OIDC issuer (jwtIssuer) replaces it in production.',
    });

    // With an issuer, $connect never needs the shared secret: it stays for the CLI's own tokens.
    this.tokenEnvironment = oidc
      ? {
          JWT_ISSUER: oidc.issuer,
          JWKS_URL: oidc.jwksUrl,
          JWT_TENANT_CLAIM: oidc.tenantClaim ?? 'tenant',
          JWT_AUDIENCE: oidc.audience,
        }
      : { JWT_SECRET_ARN: this.jwtSecret.secretArn, JWT_MAX_LIFETIME_SECONDS: String(props.tokenMaxLifetimeSeconds) };
    // Anyone may knock: capped so that a flood of connects cannot spend the concurrency the ack needs.
    this.connectFunction = new HandlerFunction(this, 'ConnectFunction', {
      name: 'connect',
      environment: { CONNECTIONS_TABLE: connectionsTable.tableName, ...this.tokenEnvironment },
      ...(props.reservedConcurrency && { reservedConcurrency: props.reservedConcurrency.connect }),
    });
    // One PutItem of the new connection; CDK's grant adds the table's index, unused.
    connectionsTable.grant(this.connectFunction, 'dynamodb:PutItem');
    acknowledgeTableIndexes(this.connectFunction, connectionsTable);
    this.grantTokenVerification(this.connectFunction);

    this.disconnectFunction = new HandlerFunction(this, 'DisconnectFunction', {
      name: 'disconnect',
      environment: { CONNECTIONS_TABLE: connectionsTable.tableName },
    });
    connectionsTable.grant(this.disconnectFunction, 'dynamodb:DeleteItem');
    acknowledgeTableIndexes(this.disconnectFunction, connectionsTable);

    this.webSocketApi = new WebSocketApi(this, 'Api', {
      description: 'Switchboard inbox push',
      connectRouteOptions: { integration: new WebSocketLambdaIntegration('Connect', this.connectFunction) },
      disconnectRouteOptions: { integration: new WebSocketLambdaIntegration('Disconnect', this.disconnectFunction) },
    });
    this.stage = new WebSocketStage(this, 'Stage', {
      webSocketApi: this.webSocketApi,
      stageName: props.stageName,
      autoDeploy: true,
      // Bounds what clients, connected or knocking, can make the connect and socket functions do.
      throttle: props.webSocketThrottle,
      accessLogSettings: {
        destination: new LogGroupLogDestination(new LogGroup(this, 'AccessLogs')),
        // Never $context.requestOverride or the query string: the token rides in ?token=.
        format: AccessLogFormat.custom(JSON.stringify(webSocketAccessLogFields)),
      },
    });
    // The connect function checks the token itself and answers 401; $disconnect and $default
    // are only reachable over a connection $connect accepted.
    for (const route of this.webSocketApi.node.findAll().filter((node) => node instanceof CfnRoute)) {
      acknowledgeOwnAuthentication(route, 'Clients authenticate at $connect with a token the connect function verifies (HS256 secret or OIDC JWKS); later routes ride on that connection.');
    }
    this.webSocketUrl = this.stage.url;

    // One $default route for every client message: the handler parses `action` itself, so an
    // unknown one gets an error frame rather than API Gateway's bare "Forbidden". Capped: a token
    // holder's connections may send as fast as the stage lets them.
    this.socketFunction = new HandlerFunction(this, 'SocketFunction', {
      name: 'socket',
      environment: { CONNECTIONS_TABLE: connectionsTable.tableName, WEBSOCKET_MANAGEMENT_ENDPOINT: this.stage.callbackUrl },
      ...(props.reservedConcurrency && { reservedConcurrency: props.reservedConcurrency.socket }),
    });
    // A subscription is one conditional update of the connection's own record; nothing else.
    connectionsTable.grant(this.socketFunction, 'dynamodb:UpdateItem');
    acknowledgeTableIndexes(this.socketFunction, connectionsTable);
    this.grantManagementApiAccess(this.socketFunction);
    // Not 'Default': CDK drops that path segment from logical ids, and the integration's would equal the route's.
    const clientMessages = this.webSocketApi.addRoute('$default', { integration: new WebSocketLambdaIntegration('ClientMessages', this.socketFunction) });
    acknowledgeOwnAuthentication(clientMessages, 'Only a connection $connect accepted can send: the connect function verified its token.');

    this.broadcasterFunction = new HandlerFunction(this, 'BroadcasterFunction', {
      name: 'broadcaster',
      environment: {
        CONNECTIONS_TABLE: connectionsTable.tableName,
        FEED_TABLE: feedTable.tableName,
        // https://<api>.execute-api.<region>.<suffix>/<stage>, from the API id and the literal stage name.
        WEBSOCKET_MANAGEMENT_ENDPOINT: this.stage.callbackUrl,
      },
    });
    // Read to find a tenant's connections, write to forget the ones that are gone.
    connectionsTable.grant(this.broadcasterFunction, 'dynamodb:Query', 'dynamodb:DeleteItem');
    acknowledgeTableIndexes(this.broadcasterFunction, connectionsTable);
    // Reserve numbers (one UpdateItem on a tenant's counter), then write frames, markers and holes
    // (PutItem, also inside the transaction that writes a frame with its marker).
    feedTable.grant(this.broadcasterFunction, 'dynamodb:UpdateItem', 'dynamodb:PutItem');
    this.grantManagementApiAccess(this.broadcasterFunction);

    this.broadcastFailureQueue = new Queue(this, 'BroadcastFailures', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.broadcastFailureQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: "This queue is the stream mapping's on-failure destination: it is the dead-letter queue.",
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

  /** Posting to any connection of this stage: connection ids are the clients', known only at run time. */
  private grantManagementApiAccess(fn: HandlerFunction): void {
    this.stage.grantManagementApiAccess(fn);
    // The ARN grantManagementApiAccess writes.
    const connections = `${Stack.of(this).formatArn({ service: 'execute-api', resource: this.webSocketApi.apiId })}/${this.stage.stageName}/*/@connections/*`;
    acknowledgeWildcardResource(fn, connections, 'Connection ids are assigned by API Gateway at $connect; the grant is limited to this API and stage.');
  }

  /** Lets a function check inbox tokens as $connect does: with an issuer it needs no secret. */
  public grantTokenVerification(fn: HandlerFunction): void {
    if (!this.#oidc) this.jwtSecret.grantRead(fn);
  }
}
