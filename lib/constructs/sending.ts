import { Validations } from 'aws-cdk-lib';
import type { RestApi } from 'aws-cdk-lib/aws-apigateway';
import type { WebSocketApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { SendQueueId } from '../definitions/functions.ts';
import { sendQueues } from '../definitions/pipeline.ts';
import { HandlerFunction } from './handler-function.ts';
import { capitalized } from './names.ts';
import { redrivenQueue } from './redriven-queue.ts';
import type { StackResources } from './stack-resources.ts';
import { addEventSources, addRestRoutes, addSchedules, addWebSocketRoutes } from './triggers.ts';

export interface SendingProps {
  /** The REST API that serves the send routes beside the webhooks and the query API. */
  readonly api: RestApi;
  /** The WebSocket API whose `send` action accepts messages too. */
  readonly webSocketApi: WebSocketApi;
  /**
   * What the send, sender and reconciler definitions name besides what is made here: the
   * tables (Sending among them), the token secret, the WebSocket stage and the webhook base URL.
   */
  readonly resources: StackResources;
}

/**
 * Agents' replies out: the send function accepts a message (REST and WebSocket) and queues it
 * on its channel's send queue, each with its DLQ; the sender sends within each number's rate;
 * the reconciler, on a schedule, settles what no callback closed. Providers' send credentials
 * are encrypted with a key of the stack's own (the sendKey secret).
 */
export class Sending extends Construct {
  /** Each send queue and its DLQ, by the queue's id in the definitions. */
  public readonly queues: Readonly<Record<SendQueueId, { readonly queue: Queue; readonly deadLetterQueue: Queue }>>;
  /** The key send credentials are encrypted with: read by the sender, the reconciler and the CLI, never output. */
  public readonly sendKey: Secret;
  /** The resources given, with the send queues and the send key made here. */
  public readonly resources: StackResources;
  public readonly sendFunction: HandlerFunction;
  public readonly senderFunction: HandlerFunction;
  public readonly reconcilerFunction: HandlerFunction;

  constructor(scope: Construct, id: string, props: SendingProps) {
    super(scope, id);
    this.queues = Object.fromEntries(
      sendQueues.map((definition) => {
        const name = capitalized(definition.queue);
        return [definition.queue, redrivenQueue(this, { queue: `${name}Queue`, deadLetter: `${name}DeadLetterQueue` }, definition)];
      }),
    ) as Record<SendQueueId, { queue: Queue; deadLetterQueue: Queue }>;

    // The credential box reads the secret as a base64 AES-256 key (functions/adapters/credential-box.ts).
    // Secrets Manager generates characters, not bytes: 43 letters and digits are unpadded base64
    // of 32 bytes, which Node decodes as such, and carry about 254 bits of entropy.
    this.sendKey = new Secret(this, 'SendKey', {
      description: "Switchboard: key that encrypts providers' send credentials",
      generateSecretString: { excludePunctuation: true, passwordLength: 43 },
    });
    Validations.of(this.sendKey).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Every stored send credential is encrypted under this key: rotating it means re-encrypting them all, an operator step (README: Sending, credentials), never an automatic one.',
    });

    this.resources = {
      ...props.resources,
      queues: {
        ...props.resources.queues,
        ...Object.fromEntries(sendQueues.flatMap(({ queue, deadLetter }) => [[queue, this.queues[queue].queue], [deadLetter, this.queues[queue].deadLetterQueue]])),
      },
      secrets: { ...props.resources.secrets, sendKey: this.sendKey },
    };

    this.sendFunction = new HandlerFunction(this, 'SendFunction', { name: 'send', resources: this.resources });
    addRestRoutes(props.api, 'send', this.sendFunction);
    addWebSocketRoutes(props.webSocketApi, 'send', this.sendFunction);

    this.senderFunction = new HandlerFunction(this, 'SenderFunction', { name: 'sender', resources: this.resources });
    addEventSources(this.senderFunction, 'sender', this.resources);

    this.reconcilerFunction = new HandlerFunction(this, 'ReconcilerFunction', { name: 'reconciler', resources: this.resources });
    addSchedules(this.reconcilerFunction, 'reconciler');
  }
}
