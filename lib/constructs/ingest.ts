import { Duration, Stack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Alias } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ingestQueueSettings } from '../definitions/pipeline.ts';
import { HandlerFunction } from './handler-function.ts';

export interface IngestProps {
  /** The table the ack function looks endpoints up in, by key only. */
  readonly endpointsTable: ITable;
  /** Where the ack function claims one-time tokens (Mailgun's), so a replay is refused. */
  readonly noncesTable: ITable;
  /** Where the ack function puts bodies too large to queue. */
  readonly bodyBucket: IBucket;
  /** The REST API's stage, the first segment of every webhook URL's path. */
  readonly stageName: string;
  /** Warm instances kept on the ack function's `live` alias; 0 keeps none. */
  readonly ackProvisionedConcurrency: number;
  /**
   * The https URL providers call, without a trailing slash, when a custom domain or proxy sits
   * in front of the API. Twilio signs this exact URL, so it must be what the provider was given.
   *
   * @default - the REST API's execute-api URL of the stage
   */
  readonly publicBaseUrl?: string;
}

/**
 * The webhook front door: a REST API whose only job is to hand each request to the ack
 * function, which verifies it and puts it on the ingest queue (with its DLQ) before answering.
 */
export class Ingest extends Construct {
  public readonly queue: Queue;
  public readonly deadLetterQueue: Queue;
  public readonly ackFunction: HandlerFunction;
  /** The alias API Gateway invokes: provisioned concurrency lives on it, not on `$LATEST`. */
  public readonly ackAlias: Alias;
  public readonly api: apigateway.RestApi;
  /** The base every webhook URL starts with: `<webhookBaseUrl>/webhooks/<provider>/<endpointId>`. */
  public readonly webhookBaseUrl: string;
  public readonly webhookResource: apigateway.Resource;

  constructor(scope: Construct, id: string, props: IngestProps) {
    super(scope, id);
    const sslOnlyEncrypted = { encryption: QueueEncryption.SQS_MANAGED, enforceSSL: true } as const;

    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      ...sslOnlyEncrypted,
      retentionPeriod: Duration.seconds(ingestQueueSettings.dlqRetentionPeriodSeconds),
    });
    this.queue = new Queue(this, 'Queue', {
      ...sslOnlyEncrypted,
      visibilityTimeout: Duration.seconds(ingestQueueSettings.visibilityTimeoutSeconds),
      retentionPeriod: Duration.seconds(ingestQueueSettings.retentionPeriodSeconds),
      maxMessageSizeBytes: ingestQueueSettings.maximumMessageBytes,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: ingestQueueSettings.maxReceiveCount },
    });

    this.api = new apigateway.RestApi(this, 'Api', {
      // Named by stack: the ack latency alarm finds the API's metrics by this name.
      restApiName: `${Stack.of(this).stackName}-webhooks`,
      description: 'Switchboard webhooks',
      // A regional endpoint: no CloudFront hop in front of a path that must answer fast.
      endpointTypes: [apigateway.EndpointType.REGIONAL],
      // Every body reaches Lambda base64-encoded, so signatures are checked over the exact bytes sent.
      binaryMediaTypes: ['*/*'],
      // Access logging fails to deploy unless the account names an API Gateway logging role: set
      // one here (the role outlives the stack, as other APIs in the account may rely on it).
      cloudWatchRole: true,
      deployOptions: {
        stageName: props.stageName,
        accessLogDestination: new apigateway.LogGroupLogDestination(
          new LogGroup(this, 'AccessLogs', { retention: RetentionDays.ONE_MONTH }),
        ),
        accessLogFormat: apigateway.AccessLogFormat.jsonWithStandardFields(),
        metricsEnabled: true,
        tracingEnabled: true,
      },
    });

    // The stack publishes WebhookBaseUrl; the API's own `Endpoint` output would contradict it
    // whenever publicBaseUrl is set.
    this.api.node.tryRemoveChild('Endpoint');

    // Built from the API id and the literal stage name: `api.url` would make the function depend
    // on the stage, which depends on the methods, which depend on the function: a cycle.
    const stack = Stack.of(this);
    this.webhookBaseUrl =
      props.publicBaseUrl ??
      `https://${this.api.restApiId}.execute-api.${stack.region}.${stack.urlSuffix}/${props.stageName}`;

    this.ackFunction = new HandlerFunction(this, 'AckFunction', {
      name: 'ack',
      environment: {
        ENDPOINTS_TABLE: props.endpointsTable.tableName,
        NONCES_TABLE: props.noncesTable.tableName,
        BODY_BUCKET: props.bodyBucket.bucketName,
        INGEST_QUEUE_URL: this.queue.queueUrl,
        PUBLIC_BASE_URL: this.webhookBaseUrl,
      },
    });
    // The ack path reads one endpoint by key; it has no business listing the others' secrets.
    props.endpointsTable.grant(this.ackFunction, 'dynamodb:GetItem');
    props.noncesTable.grant(this.ackFunction, 'dynamodb:PutItem', 'dynamodb:DeleteItem');
    props.bodyBucket.grantPut(this.ackFunction, 'bodies/*');
    this.queue.grantSendMessages(this.ackFunction);

    this.ackAlias = new Alias(this, 'AckAlias', {
      aliasName: 'live',
      version: this.ackFunction.currentVersion,
      // CDK leaves ProvisionedConcurrencyConfig out at 0, which is how a dev stack turns it off.
      provisionedConcurrentExecutions: props.ackProvisionedConcurrency,
    });

    const webhook = (this.webhookResource = this.api.root.addResource('webhooks').addResource('{provider}').addResource('{endpointId}'));
    const ack = new apigateway.LambdaIntegration(this.ackAlias);
    webhook.addMethod('POST', ack);
    // Meta's subscription handshake is a GET on the same URL.
    webhook.addMethod('GET', ack);
  }
}
