import { Stack, Validations } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import { Alias } from 'aws-cdk-lib/aws-lambda';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { functionDefinitions } from '../definitions/functions.ts';
import { ingestQueue } from '../definitions/pipeline.ts';
import { FloodGuard, type FloodGuardLimits } from './flood-guard.ts';
import { HandlerFunction } from './handler-function.ts';
import { redrivenQueue } from './redriven-queue.ts';
import type { StackResources } from './stack-resources.ts';
import type { StageThrottle } from './throttling.ts';
import { addRestRoutes } from './triggers.ts';

/** A domain name of the user's for the webhook API, with its certificate. */
export interface CustomDomainProps {
  /** e.g. hooks.example.com: the webhook base URL becomes https://hooks.example.com */
  readonly domainName: string;
  /** An ACM certificate for that name, in the stack's region (a regional endpoint needs it there). */
  readonly certificateArn: string;
}

/** The webhook URL's path under the stage, as the ack's definition routes it. */
const webhookPath = functionDefinitions.ack.triggers[0].http.path;

/** Provisioned concurrency scales out when more than this share of the warm instances is busy. */
export const ackUtilizationTarget = 0.7;

export interface IngestProps {
  /** The tables and bucket the ack function's definition names. */
  readonly resources: StackResources;
  /** The REST API's stage, the first segment of every webhook URL's path. */
  readonly stageName: string;
  /**
   * Warm instances on the ack function's `live` alias: at least `min`, scaled up to `max` when
   * more than 70% of them are busy. A `min` of 0 keeps none and scales nothing.
   */
  readonly ackProvisionedConcurrency: { readonly min: number; readonly max: number };
  /**
   * A domain of the user's, with an ACM certificate in the stack's region, in front of the API.
   *
   * @default - the execute-api URL
   */
  readonly customDomain?: CustomDomainProps;
  /**
   * The WAF flood guard's limits; undefined leaves the API without a web ACL.
   *
   * @default - no web ACL
   */
  readonly floodGuard?: FloodGuardLimits;
  /**
   * The https URL providers call, without a trailing slash, when a custom domain or proxy sits
   * in front of the API. Twilio signs this exact URL, so it must be what the provider was given.
   *
   * @default - the REST API's execute-api URL of the stage
   */
  readonly publicBaseUrl?: string;
  /** API Gateway's throttle on the stage, for every method: far above provider peaks, but bounded. */
  readonly restApiThrottle: StageThrottle;
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
  /** The custom domain, when one is configured: DNS must point its name at `domainNameAliasDomainName`. */
  public readonly domainName?: apigateway.DomainName;
  public readonly floodGuard?: FloodGuard;
  /** The resources given, with the queues and the webhook base URL made here. */
  public readonly resources: StackResources;

  constructor(scope: Construct, id: string, props: IngestProps) {
    super(scope, id);
    ({ queue: this.queue, deadLetterQueue: this.deadLetterQueue } = redrivenQueue(this, { queue: 'Queue', deadLetter: 'DeadLetterQueue' }, ingestQueue));

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
          new LogGroup(this, 'AccessLogs'),
        ),
        accessLogFormat: apigateway.AccessLogFormat.jsonWithStandardFields(),
        metricsEnabled: true,
        // Execution logs of errors only: INFO would log every request, and data tracing its body.
        loggingLevel: apigateway.MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        tracingEnabled: true,
        // Above any provider's peak (verified traffic is never refused for load), but bounded: a
        // flood from many addresses cannot take the account's regional API Gateway quota.
        throttlingRateLimit: props.restApiThrottle.rateLimit,
        throttlingBurstLimit: props.restApiThrottle.burstLimit,
      },
    });
    Validations.of(this.api.node.defaultChild!).acknowledge({
      id: 'AwsSolutions-APIG2',
      reason:
        'Bodies must reach the ack function byte for byte for their signatures to verify; it validates each request against its provider and answers 400/401/404/413 itself.',
    });
    const cloudWatchRole = this.api.node.findChild('CloudWatchRole');
    Validations.of(cloudWatchRole).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      reason: "API Gateway's account-wide logging role; AWS documents this managed policy for it and keeps it current.",
    });
    if (props.floodGuard) {
      this.floodGuard = new FloodGuard(this, 'FloodGuard', { stage: this.api.deploymentStage, limits: props.floodGuard });
    } else {
      Validations.of(this.api.deploymentStage.node.defaultChild!).acknowledge({
        id: 'AwsSolutions-APIG3',
        reason: 'The WAF flood guard was turned off for this stack by configuration (context waf=false).',
      });
    }
    if (props.customDomain) {
      this.domainName = this.api.addDomainName('CustomDomain', {
        domainName: props.customDomain.domainName,
        certificate: Certificate.fromCertificateArn(this, 'Certificate', props.customDomain.certificateArn),
        endpointType: apigateway.EndpointType.REGIONAL,
        securityPolicy: apigateway.SecurityPolicy.TLS_1_2,
      });
    }

    // The stack publishes WebhookBaseUrl; the API's own `Endpoint` output would contradict it
    // whenever publicBaseUrl is set.
    this.api.node.tryRemoveChild('Endpoint');

    // Built from the API id and the literal stage name: `api.url` would make the function depend
    // on the stage, which depends on the methods, which depend on the function: a cycle.
    const stack = Stack.of(this);
    this.webhookBaseUrl =
      props.publicBaseUrl ??
      (props.customDomain && `https://${props.customDomain.domainName}`) ??
      `https://${this.api.restApiId}.execute-api.${stack.region}.${stack.urlSuffix}/${props.stageName}`;

    this.resources = {
      ...props.resources,
      queues: { ...props.resources.queues, ingest: this.queue, deadLetter: this.deadLetterQueue },
      urls: { ...props.resources.urls, webhookBase: this.webhookBaseUrl },
    };
    // No reserved concurrency: it would cap the ack, and verified provider traffic is never
    // throttled for load. The caps on the functions callers can keep busy leave it the account's pool.
    this.ackFunction = new HandlerFunction(this, 'AckFunction', { name: 'ack', resources: this.resources });

    this.ackAlias = new Alias(this, 'AckAlias', {
      aliasName: 'live',
      version: this.ackFunction.currentVersion,
      // CDK leaves ProvisionedConcurrencyConfig out at 0, which is how a dev stack turns it off.
      provisionedConcurrentExecutions: props.ackProvisionedConcurrency.min,
    });
    if (props.ackProvisionedConcurrency.min > 0) {
      // Lambda's own utilization metric: scale out before the warm instances are all busy, so a
      // burst meets warm ones while more are provisioned (which takes a minute or two).
      this.ackAlias
        .addAutoScaling({ minCapacity: props.ackProvisionedConcurrency.min, maxCapacity: props.ackProvisionedConcurrency.max })
        .scaleOnUtilization({ utilizationTarget: ackUtilizationTarget });
    }

    addRestRoutes(this.api, 'ack', this.ackAlias);
    this.webhookResource = this.api.root.resourceForPath(webhookPath);
  }
}
