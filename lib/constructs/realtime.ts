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

/** An OIDC issuer (Cognito, Auth0, Keycloak…) whose tokens $connect accepts instead of the shared secret's. */
export interface OidcProps {
  /** Must equal the tokens' `iss` exactly, e.g. https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC, https://tenant.eu.auth0.com/ */
  readonly issuer: string;
  /** The issuer's public keys: Cognito and Auth0 <issuer>/.well-known/jwks.json, Keycloak <issuer>/protocol/openid-connect/certs. */
  readonly jwksUrl: string;
  /**
   * When set, tokens must name it in `aud` (Cognito ID tokens: the app client id).
   *
   * @default - the audience is not checked
   */
  readonly audience?: string;
  /**
   * The claim holding the tenant id (Cognito custom attributes: `custom:tenant`).
   *
   * @default 'tenant'
   */
  readonly tenantClaim?: string;
}

const checkHttpsUrl = (name: string, url: string): void => {
  if (!URL.canParse(url) || new URL(url).protocol !== 'https:') {
    throw new Error(`${name} must be an https:// URL, got ${JSON.stringify(url)}`);
  }
};

/** Refuses, at synth, OIDC settings the connect function could only fail on at runtime. */
const checkOidc = (oidc: OidcProps): void => {
  checkHttpsUrl('oidc.issuer (context jwtIssuer)', oidc.issuer);
  checkHttpsUrl('oidc.jwksUrl (context jwksUrl)', oidc.jwksUrl);
  if (oidc.audience !== undefined && oidc.audience.trim() === '') {
    throw new Error('oidc.audience (context jwtAudience) must not be empty: leave it out to skip the audience check');
  }
  if (oidc.tenantClaim !== undefined && oidc.tenantClaim.trim() === '') {
    throw new Error("oidc.tenantClaim (context jwtTenantClaim) must not be empty: leave it out for 'tenant'");
  }
};

export interface RealtimeProps {
  /** Open connections, found by tenant through its `byTenant` index. */
  readonly connectionsTable: ITable;
  /** The table whose stream carries every change a client should see. */
  readonly messagesTable: ITable;
  /** The WebSocket API's stage, the path of its URL. */
  readonly stageName: string;
  /**
   * Verify connecting clients' tokens against this issuer's JWKS.
   *
   * @default - HS256 tokens signed with the stack's shared secret (`switchboard token`)
   */
  readonly oidc?: OidcProps;
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
    const { connectionsTable, messagesTable, oidc } = props;
    if (oidc) checkOidc(oidc);
    this.#oidc = oidc !== undefined;

    this.jwtSecret = new Secret(this, 'JwtSecret', {
      description: 'Switchboard: key that signs inbox tokens',
      generateSecretString: { excludePunctuation: true, passwordLength: 48 },
    });

    // With an issuer, $connect never needs the shared secret: it stays for the CLI's own tokens.
    this.tokenEnvironment = oidc
      ? {
          JWT_ISSUER: oidc.issuer,
          JWKS_URL: oidc.jwksUrl,
          JWT_TENANT_CLAIM: oidc.tenantClaim ?? 'tenant',
          ...(oidc.audience !== undefined && { JWT_AUDIENCE: oidc.audience }),
        }
      : { JWT_SECRET_ARN: this.jwtSecret.secretArn };
    this.connectFunction = new HandlerFunction(this, 'ConnectFunction', {
      name: 'connect',
      environment: { CONNECTIONS_TABLE: connectionsTable.tableName, ...this.tokenEnvironment },
    });
    connectionsTable.grantWriteData(this.connectFunction);
    this.grantTokenVerification(this.connectFunction);

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

    // One $default route for every client message: the handler parses `action` itself, so an
    // unknown one gets an error frame rather than API Gateway's bare "Forbidden".
    this.socketFunction = new HandlerFunction(this, 'SocketFunction', {
      name: 'socket',
      environment: { CONNECTIONS_TABLE: connectionsTable.tableName, WEBSOCKET_MANAGEMENT_ENDPOINT: this.stage.callbackUrl },
    });
    // A subscription is one conditional update of the connection's own record; nothing else.
    connectionsTable.grant(this.socketFunction, 'dynamodb:UpdateItem');
    this.stage.grantManagementApiAccess(this.socketFunction);
    // Not 'Default': CDK drops that path segment from logical ids, and the integration's would equal the route's.
    this.webSocketApi.addRoute('$default', { integration: new WebSocketLambdaIntegration('ClientMessages', this.socketFunction) });

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

  /** Lets a function check inbox tokens as $connect does: with an issuer it needs no secret. */
  public grantTokenVerification(fn: HandlerFunction): void {
    if (!this.#oidc) this.jwtSecret.grantRead(fn);
  }
}
