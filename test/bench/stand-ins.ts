import { SNSClient } from '@aws-sdk/client-sns';
import { newSendKeySecret } from '../../functions/adapters/credential-box.ts';
import { providerApiBaseUrls as realProviderApis, type ProviderApiBaseUrls } from '../../lib/config.ts';
import { randomBytes } from 'node:crypto';
import { connectionsRefusal, localSigningCredentials, startAccessGuards } from '../../lib/local/access-guard.ts';
import { ingestQueueSettings } from '../../lib/definitions/pipeline.ts';
import { localCredentials, localRegion } from '../../lib/local/aws.ts';
import { startCloudWatchStandIn } from '../../lib/local/cloudwatch-standin.ts';
import { createAlertsTopic, createQueues } from '../../lib/local/resources.ts';
import { startSecretsStandIn } from '../../lib/local/secrets-standin.ts';
import type { LocalStackDescription } from '../../lib/local/stack.ts';
import { startWebSocketGateway } from '../../lib/local/websocket-gateway.ts';
import { freePort } from '../helpers/ports.ts';
import { startDynamoDb, startSqs } from '../helpers/services.ts';

/**
 * The local stack's stand-ins without its gateways' routes, pollers or functions, for a bench
 * step that runs a function itself: DynamoDB Local, fauxqs (SQS and S3), the CloudWatch and
 * Secrets Manager stand-ins, and a WebSocket gateway whose only route records the connections
 * opened on it, so that a function's pushes reach real sockets, and the access guards the
 * functions reach the stand-ins through. `description` is what
 * localEnvironmentOf (lib/local/stack.ts) derives each function's environment from.
 */
/** As the local stack: the inbox's tokens are signed with a shared secret. */
const tokenMode = 'sharedSecret';

export const startStandIns = async ({
  prefix,
  publicBaseUrl,
  providerApiBaseUrls = realProviderApis,
}: {
  prefix: string;
  publicBaseUrl: string;
  /** Where the senders call the providers: a step that runs one points it at its own stand-in. @default the real APIs, which no bench step calls */
  providerApiBaseUrls?: ProviderApiBaseUrls;
}) => {
  const stops: (() => Promise<unknown>)[] = [];
  const stop = async () => {
    for (const stopOne of stops.reverse()) await stopOne().catch(() => undefined);
  };
  try {
    const dynamo = await startDynamoDb();
    stops.push(dynamo.stop);
    const sqs = await startSqs();
    stops.push(sqs.stop);
    const cloudwatch = await startCloudWatchStandIn({ queues: sqs.server });
    stops.push(cloudwatch.stop);
    const connectionIds: string[] = [];
    const gateway = await startWebSocketGateway({
      port: await freePort(),
      routes: {
        $connect: {
          functionName: 'connect',
          handler: async (event) => {
            connectionIds.push(event.requestContext.connectionId ?? '');
            return { statusCode: 200, body: '' };
          },
        },
      },
      credentialsOf: localSigningCredentials,
      authorize: (authorization) => connectionsRefusal(authorization, tokenMode),
      onError: (error) => process.stderr.write(`bench: ${prefix}gateway: ${String(error)}\n`),
    });
    stops.push(gateway.stop);
    const bodyBucket = `${prefix}bodies`;
    sqs.server.createBucket(bodyBucket);
    const queues = await createQueues(sqs.client, { prefix, endpoint: sqs.endpoint });
    const sns = new SNSClient({ region: localRegion, credentials: localCredentials, endpoint: sqs.endpoint });
    stops.push(async () => sns.destroy());
    const alerts = await createAlertsTopic({ sns, sqs: sqs.client }, { prefix, endpoint: sqs.endpoint });
    const jwtSecret = randomBytes(32).toString('base64url');
    // The functions read the token secret from Secrets Manager, as deployed.
    const jwtSecretName = `${prefix}jwt`;
    const sendKeyName = `${prefix}send-key`;
    const sendKey = newSendKeySecret();
    const secrets = await startSecretsStandIn({ secrets: { [jwtSecretName]: jwtSecret, [sendKeyName]: sendKey } });
    stops.push(secrets.stop);
    // The functions reach the stand-ins through access guards, as in the local stack: IAM, locally.
    const names = { tables: dynamo.tables, queues, bucket: bodyBucket, secrets: { jwt: secrets.arnOf(jwtSecretName), sendKey: secrets.arnOf(sendKeyName) }, topics: { alerts: alerts.topicArn } };
    const guards = await startAccessGuards({
      targets: { dynamodb: dynamo.endpoint, sqs: sqs.endpoint, cloudwatch: cloudwatch.endpoint, secretsManager: secrets.endpoint },
      names,
      tokenMode,
      onDenied: (message) => process.stderr.write(`bench: ${prefix}access denied: ${message}\n`),
    });
    stops.push(guards.stop);
    const description: LocalStackDescription = {
      httpUrl: publicBaseUrl,
      wsUrl: gateway.url,
      publicBaseUrl,
      dynamodbEndpoint: dynamo.endpoint,
      sqsEndpoint: sqs.endpoint,
      cloudwatchEndpoint: cloudwatch.endpoint,
      region: localRegion,
      tables: dynamo.tables,
      queues,
      topics: names.topics,
      bodyBucket,
      jwtSecret,
      secretsEndpoint: secrets.endpoint,
      jwtSecretArn: names.secrets.jwt,
      sendKey,
      sendKeyArn: names.secrets.sendKey,
      functionEndpoints: guards.endpoints,
      ingestVisibilityTimeoutSeconds: ingestQueueSettings.visibilityTimeoutSeconds,
      providerApiBaseUrls,
      schedules: [],
    };
    return { dynamo, sqs, gateway, connectionIds, jwtSecret, description, stop };
  } catch (error) {
    await stop();
    throw error;
  }
};
