import { Duration, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { LogGroupLogDestination, WebSocketApi, WebSocketStage } from 'aws-cdk-lib/aws-apigatewayv2';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { HandlerFunction } from './handler-function.ts';
import type { StackResources } from './stack-resources.ts';
import type { StageThrottle } from './throttling.ts';
import { addEventSources, addWebSocketRoutes } from './triggers.ts';

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
  /** The tables the WebSocket functions' definitions name; the stack's settings (OIDC or not) among them. */
  readonly resources: StackResources;
  /** The WebSocket API's stage, the path of its URL. */
  readonly stageName: string;
  /** API Gateway's throttle on the stage: connects and client messages together. */
  readonly webSocketThrottle: StageThrottle;
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
  /** The resources given, with the token secret, the WebSocket stage and the broadcaster's failure queue made here. */
  public readonly resources: StackResources;
  public readonly connectFunction: HandlerFunction;
  public readonly disconnectFunction: HandlerFunction;
  /** $default: answers ping and stores subscriptions. */
  public readonly socketFunction: HandlerFunction;
  public readonly broadcasterFunction: HandlerFunction;
  /** Where the stream mapping sends what still fails after its retries: pointers to records never pushed. */
  public readonly broadcastFailureQueue: Queue;

  constructor(scope: Construct, id: string, props: RealtimeProps) {
    super(scope, id);

    this.jwtSecret = new Secret(this, 'JwtSecret', {
      description: 'Switchboard: key that signs inbox tokens',
      generateSecretString: { excludePunctuation: true, passwordLength: 48 },
    });
    Validations.of(this.jwtSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Rotating the signing key signs every inbox out at once, so it is an operator decision (README: rotating the token key); an OIDC issuer (jwtIssuer) replaces it in production.',
    });
    this.broadcastFailureQueue = new Queue(this, 'BroadcastFailures', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.broadcastFailureQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: "This queue is the stream mapping's on-failure destination: it is the dead-letter queue.",
    });

    this.webSocketApi = new WebSocketApi(this, 'Api', { description: 'Switchboard inbox push' });
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
    this.webSocketUrl = this.stage.url;
    this.resources = {
      ...props.resources,
      secrets: { ...props.resources.secrets, jwt: this.jwtSecret },
      queues: { ...props.resources.queues, broadcastFailures: this.broadcastFailureQueue },
      // https://<api>.execute-api.<region>.<suffix>/<stage>, from the API id and the literal stage name.
      urls: { ...props.resources.urls, webSocketManagement: this.stage.callbackUrl },
      webSocketStage: this.stage,
    };

    // One $default route for every client message: the handler parses `action` itself, so an
    // unknown one gets an error frame rather than API Gateway's bare "Forbidden".
    const webSocketFunction = (constructId: string, name: 'connect' | 'disconnect' | 'socket') => {
      const fn = new HandlerFunction(this, constructId, { name, resources: this.resources });
      addWebSocketRoutes(this.webSocketApi, name, fn);
      return fn;
    };
    this.connectFunction = webSocketFunction('ConnectFunction', 'connect');
    this.disconnectFunction = webSocketFunction('DisconnectFunction', 'disconnect');
    this.socketFunction = webSocketFunction('SocketFunction', 'socket');

    this.broadcasterFunction = new HandlerFunction(this, 'BroadcasterFunction', { name: 'broadcaster', resources: this.resources });
    addEventSources(this.broadcasterFunction, 'broadcaster', this.resources);
  }
}
