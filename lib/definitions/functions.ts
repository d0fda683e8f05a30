import type { TableId } from './tables.ts';

/**
 * Every function of Switchboard, declared once: its size, what invokes it, the variables it
 * gets and where each value comes from, and what it may do. The CDK stack (lib/constructs/),
 * the local runtime (lib/local/) and each handler's configuration (functions/shared/config.ts)
 * are derived from these declarations, and tests hold the three to them: adding a function, a
 * route or a variable is an edit here and in the handler that uses it.
 *
 * Plain data, no CDK: handlers import it too, for their configuration.
 */

/** Queues of the stack, by the name the declarations use. */
export type QueueId = 'ingest' | 'deadLetter' | 'broadcastFailures' | SendQueueId | `${SendQueueId}DeadLetter`;
/**
 * The send queues, one per channel type (lib/definitions/sending.ts maps channels onto them):
 * a burst of WhatsApp sends never holds up an SMS reply.
 */
export type SendQueueId = 'sendSms' | 'sendWhatsapp' | 'sendMessenger' | 'sendEmail';
export const sendQueueIds = ['sendSms', 'sendWhatsapp', 'sendMessenger', 'sendEmail'] as const satisfies readonly SendQueueId[];
/** The one bucket: large bodies under bodies/, the archive under archive/. */
export type BucketId = 'bodies';
/** Secrets Manager secrets the stack creates. */
export type SecretId =
  /** The inbox tokens' signing secret. */
  | 'jwt'
  /** The key providers' send credentials are encrypted with (functions/adapters/credential-box.ts). */
  | 'sendKey';
/** SNS topics of the stack. */
export type TopicId =
  /** The alarm topic (lib/constructs/alarm-topic.ts): alarms, and alerts a function publishes, reach the operator there. */
  'alerts';
/** URLs of the stack's own APIs, known once they exist. */
export type UrlId =
  /** The base every webhook URL starts with, as providers call it (a custom domain or publicBaseUrl when set). */
  | 'webhookBase'
  /** The WebSocket API's @connections endpoint, https://…/<stage>. */
  | 'webSocketManagement';

/**
 * Settings of the stack (lib/config.ts) a function is given. Token verification is either
 * the stack's own secret or an OIDC issuer; the issuer's settings exist only with one.
 */
export type SettingId =
  | 'tokenMaxLifetimeSeconds'
  | 'jwtIssuer'
  | 'jwksUrl'
  | 'jwtAudience'
  | 'jwtTenantClaim'
  | 'ingestVisibilityTimeoutSeconds'
  /** Where the providers' send APIs are: the real ones on AWS, the local stand-ins on a laptop. */
  | 'twilioApiBaseUrl'
  | 'graphApiBaseUrl'
  | 'sendgridApiBaseUrl'
  | 'mailgunApiBaseUrl'
  | 'androidGatewayApiBaseUrl'
  /** What inbound media is kept (functions/core/media.ts MediaLimits). */
  | 'mediaMaxBytes'
  | 'mediaAllowedTypes'
  | 'mediaFetchTimeoutSeconds'
  | 'mediaFetchAttempts';

/** Where a variable's value comes from: it is the resource's name, URL or ARN, or a setting's value. */
export type Source =
  | { readonly table: TableId }
  | { readonly queue: QueueId }
  | { readonly bucket: BucketId }
  | { readonly secret: SecretId }
  | { readonly url: UrlId }
  | { readonly topic: TopicId }
  | { readonly setting: SettingId };

/**
 * One environment variable. `when` names the token mode it belongs to: a function that checks
 * inbox tokens gets the secret's variables or the issuer's, never both.
 */
export interface Variable {
  readonly from: Source;
  readonly when?: TokenMode;
}

export type TokenMode = 'sharedSecret' | 'oidc';

/** An action a function may take, on one resource. IAM on AWS; the local runtime holds functions to the same list. */
export type Grant =
  | { readonly table: TableId; readonly actions: readonly `dynamodb:${string}`[] }
  | { readonly queue: QueueId; readonly actions: readonly `sqs:${string}`[] }
  | { readonly bucket: BucketId; readonly prefix: string; readonly actions: readonly ('s3:GetObject' | 's3:PutObject')[] }
  | { readonly secret: SecretId; readonly when?: TokenMode }
  /** Publishing to the topic, and the use of its encryption key that publishing needs. */
  | { readonly topic: TopicId }
  /** Posting to (and closing) any connection of the WebSocket stage. */
  | { readonly webSocketConnections: true }
  /** Actions with no resource-level permissions, on "*". */
  | { readonly anyResource: readonly string[] };

/** A REST route of the webhook API, with who authenticates its callers (API Gateway lets them through). */
export interface HttpTrigger {
  readonly http: { readonly method: 'GET' | 'POST' | 'OPTIONS'; readonly path: string };
  readonly authenticatedBy: string;
}

export interface WebSocketTrigger {
  /** API Gateway's own routes, or a client message's `action`. */
  readonly webSocket: '$connect' | '$disconnect' | '$default' | 'send';
  readonly authenticatedBy: string;
}

/** An SQS event source mapping. */
export interface QueueTrigger {
  readonly queue: QueueId;
  /** Lambda delivers at most this many records per invocation. */
  readonly batchSize: number;
  readonly maxBatchingWindowSeconds: number;
  readonly maxConcurrency: number;
}

/**
 * Lambda event filtering, for the patterns this project uses: nested objects whose leaves are
 * lists of allowed values. https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html
 */
export type FilterPattern = { readonly [key: string]: FilterPattern | readonly (string | number | boolean)[] };

/** A DynamoDB stream event source mapping, filtered by Lambda's own pattern syntax. */
export interface StreamTrigger {
  readonly stream: TableId;
  readonly batchSize: number;
  readonly retryAttempts: number;
  readonly bisectBatchOnError: boolean;
  readonly maxRecordAgeSeconds: number;
  readonly filter: FilterPattern;
  /** Where pointers to the records that still fail after the retries go. */
  readonly onFailure: QueueId;
}

/** An EventBridge schedule: the function runs every `rateMinutes` minutes. */
export interface ScheduleTrigger {
  readonly schedule: { readonly rateMinutes: number };
}

export type Trigger = HttpTrigger | WebSocketTrigger | QueueTrigger | StreamTrigger | ScheduleTrigger;

export interface FunctionDefinition {
  /** Lambda allots CPU in proportion to memory (1769 MB is one vCPU). */
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
  readonly triggers: readonly Trigger[];
  readonly environment: Readonly<Record<string, Variable>>;
  readonly grants: readonly Grant[];
  /**
   * The reserved concurrency setting that caps it (lib/config.ts reservedConcurrency): for the
   * functions a caller can keep busy. None: it draws on the account's unreserved pool.
   */
  readonly reservedConcurrency?: 'query' | 'connect' | 'socket' | 'send';
  /** Invoked through a `live` alias that keeps ackProvisionedConcurrency instances warm. */
  readonly warm?: true;
}

/** What every function gets besides its own variables, on AWS and locally. */
export const commonEnvironment = {
  NODE_OPTIONS: '--enable-source-maps',
  POWERTOOLS_SERVICE_NAME: 'switchboard',
} as const;

/** The variables, and the grant, of a function that checks inbox tokens (functions/shared/token-verifier.ts). */
const tokenVariables = {
  JWT_SECRET_ARN: { from: { secret: 'jwt' }, when: 'sharedSecret' },
  JWT_MAX_LIFETIME_SECONDS: { from: { setting: 'tokenMaxLifetimeSeconds' }, when: 'sharedSecret' },
  JWT_ISSUER: { from: { setting: 'jwtIssuer' }, when: 'oidc' },
  JWKS_URL: { from: { setting: 'jwksUrl' }, when: 'oidc' },
  JWT_AUDIENCE: { from: { setting: 'jwtAudience' }, when: 'oidc' },
  JWT_TENANT_CLAIM: { from: { setting: 'jwtTenantClaim' }, when: 'oidc' },
} as const satisfies Record<string, Variable>;
const tokenSecretRead = { secret: 'jwt', when: 'sharedSecret' } as const satisfies Grant;

const connectionsTable = { CONNECTIONS_TABLE: { from: { table: 'Connections' } } } as const satisfies Record<string, Variable>;
const statsTable = { STATS_TABLE: { from: { table: 'Stats' } } } as const satisfies Record<string, Variable>;
/** A stage's counts: one ADD per endpoint and hour bucket of a batch (functions/adapters/stats-store.ts), never a read. */
const statsCounting = { table: 'Stats', actions: ['dynamodb:UpdateItem'] } as const satisfies Grant;
const managementEndpoint = { WEBSOCKET_MANAGEMENT_ENDPOINT: { from: { url: 'webSocketManagement' } } } as const satisfies Record<string, Variable>;

const byProviderSignature =
  "Providers authenticate with their own signatures (HMAC, or the endpoint's basic auth or bearer token), which the ack function verifies before anything is queued.";
const byInboxToken = "The query function verifies the caller's bearer token (the same as the WebSocket's) and answers for that token's tenant only.";
const preflight = 'A CORS preflight carries no credentials by definition; it is answered with headers only and reads nothing.';
const onAcceptedConnection = 'Only a connection $connect accepted can send: the connect function verified its token.';
const queryRoutes = ['/conversations', '/conversations/{id}/messages', '/events', '/stats', '/webhooks/recent'].flatMap((path): HttpTrigger[] => [
  { http: { method: 'GET', path }, authenticatedBy: byInboxToken },
  // OPTIONS goes to the function, which answers the preflight of an inbox hosted elsewhere: a
  // mock preflight fails on this API, which treats every media type as binary.
  { http: { method: 'OPTIONS', path }, authenticatedBy: preflight },
]);

const sendRoutes = ['/conversations/{id}/messages', '/messages'];
const sendQueueVariables = {
  SEND_SMS_QUEUE_URL: { from: { queue: 'sendSms' } },
  SEND_WHATSAPP_QUEUE_URL: { from: { queue: 'sendWhatsapp' } },
  SEND_MESSENGER_QUEUE_URL: { from: { queue: 'sendMessenger' } },
  SEND_EMAIL_QUEUE_URL: { from: { queue: 'sendEmail' } },
} as const satisfies Record<string, Variable>;
const senderEnvironment = {
  MESSAGES_TABLE: { from: { table: 'Messages' } },
  SENDING_TABLE: { from: { table: 'Sending' } },
  ENDPOINTS_TABLE: { from: { table: 'Endpoints' } },
  ...sendQueueVariables,
  SEND_KEY_ARN: { from: { secret: 'sendKey' } },
  // Twilio's StatusCallback URL is the endpoint's own webhook URL.
  PUBLIC_BASE_URL: { from: { url: 'webhookBase' } },
  TWILIO_API_BASE_URL: { from: { setting: 'twilioApiBaseUrl' } },
  GRAPH_API_BASE_URL: { from: { setting: 'graphApiBaseUrl' } },
  SENDGRID_API_BASE_URL: { from: { setting: 'sendgridApiBaseUrl' } },
  MAILGUN_API_BASE_URL: { from: { setting: 'mailgunApiBaseUrl' } },
  ANDROID_GATEWAY_API_BASE_URL: { from: { setting: 'androidGatewayApiBaseUrl' } },
  // Uploaded files: signed links for the providers that fetch them, bytes for email.
  BODY_BUCKET: { from: { bucket: 'bodies' } },
} as const satisfies Record<string, Variable>;
const senderGrants = [
  // The message by key: claim, outcome and alias in one transaction; the conversation's opt-out.
  { table: 'Messages', actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query', 'dynamodb:DeleteItem'] },
  // Rate slots per sender, and the open-message markers.
  { table: 'Sending', actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'] },
  // The endpoint's credentials, and pausing it after a credential failure.
  { table: 'Endpoints', actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'] },
  { secret: 'sendKey' },
  // A record that must wait (its sender's rate, a backoff, a callback) is queued again with a delay.
  ...sendQueueIds.map((queue) => ({ queue, actions: ['sqs:SendMessage'] }) as const),
  // Uploaded files, read to attach to an email and through the signed links providers fetch.
  { bucket: 'bodies', prefix: 'uploads/', actions: ['s3:GetObject'] },
] as const satisfies readonly Grant[];

/**
 * Memory and timeout are what `npm run bench` recommended from measured figures (its footprint
 * step: each bundle run on its worst case; the rule is `sizing` in test/bench/footprint.ts),
 * from bench/results/2026-11-23-footprint.json; the README's "Memory and timeout per function"
 * gives each one's reason, and a test holds these to that file.
 */
export const functionDefinitions = {
  /** Verifies a webhook, queues it, answers the provider. More CPU than memory needs: a warm ack's CPU time is the provider's wait. */
  ack: {
    memoryMb: 384,
    timeoutSeconds: 20,
    warm: true,
    triggers: [
      { http: { method: 'POST', path: '/webhooks/{provider}/{endpointId}' }, authenticatedBy: byProviderSignature },
      // Meta's subscription handshake is a GET on the same URL.
      { http: { method: 'GET', path: '/webhooks/{provider}/{endpointId}' }, authenticatedBy: byProviderSignature },
    ],
    environment: {
      ENDPOINTS_TABLE: { from: { table: 'Endpoints' } },
      NONCES_TABLE: { from: { table: 'Nonces' } },
      BODY_BUCKET: { from: { bucket: 'bodies' } },
      INGEST_QUEUE_URL: { from: { queue: 'ingest' } },
      PUBLIC_BASE_URL: { from: { url: 'webhookBase' } },
      ...statsTable,
      ALERTS_TOPIC_ARN: { from: { topic: 'alerts' } },
    },
    grants: [
      // One endpoint by key, never a scan of the others' secrets.
      { table: 'Endpoints', actions: ['dynamodb:GetItem'] },
      // Claims a one-time token (Mailgun's), and gives it back when queueing fails.
      { table: 'Nonces', actions: ['dynamodb:PutItem', 'dynamodb:DeleteItem'] },
      { bucket: 'bodies', prefix: 'bodies/', actions: ['s3:PutObject'] },
      { queue: 'ingest', actions: ['sqs:SendMessage'] },
      // Each request to a known endpoint: its attempt (a put) and its hour's counts (an ADD).
      { table: 'Stats', actions: ['dynamodb:PutItem', 'dynamodb:UpdateItem'] },
      // An endpoint's burst of signature failures is told to the operator (functions/adapters/alert-publisher.ts).
      { topic: 'alerts' },
    ],
  },
  /** Parses, dedupes, threads and stores queued webhooks. Ten 4 MiB emails in one batch peak at 283 MB. */
  processor: {
    memoryMb: 640,
    timeoutSeconds: 30,
    triggers: [
      {
        queue: 'ingest',
        batchSize: 10,
        // No batching window: a lone webhook is processed as soon as it is polled, which keeps the
        // webhook → socket latency low; bursts still fill batches on their own.
        maxBatchingWindowSeconds: 0,
        maxConcurrency: 10,
      },
    ],
    environment: {
      MESSAGES_TABLE: { from: { table: 'Messages' } },
      ENDPOINTS_TABLE: { from: { table: 'Endpoints' } },
      BODY_BUCKET: { from: { bucket: 'bodies' } },
      INGEST_QUEUE_URL: { from: { queue: 'ingest' } },
      // Its backoff is capped at the queue's visibility timeout, which the local runtime may shorten.
      INGEST_VISIBILITY_TIMEOUT_SECONDS: { from: { setting: 'ingestVisibilityTimeoutSeconds' } },
      ...statsTable,
    },
    grants: [
      // What message-store.ts and failure-store.ts send: key reads, the pending receipts' query,
      // puts, updates and deletes, alone or in transactions. Never a scan or a batch write.
      { table: 'Messages', actions: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'] },
      { table: 'Endpoints', actions: ['dynamodb:GetItem'] },
      { bucket: 'bodies', prefix: 'bodies/', actions: ['s3:GetObject'] },
      { bucket: 'bodies', prefix: 'archive/', actions: ['s3:PutObject'] },
      // A request too large for one invocation is queued again in parts (functions/core/request-parts.ts);
      // a failed record is hidden for its backoff delay.
      { queue: 'ingest', actions: ['sqs:SendMessage', 'sqs:ChangeMessageVisibility'] },
      // The batch's counts, and each attempt's outcome: conditional updates of attempts the ack recorded.
      statsCounting,
    ],
  },
  /** Turns each stored change into a numbered frame for the tenant's feed and sockets. Signing 2,500 frames of a full batch is CPU-bound. */
  broadcaster: {
    memoryMb: 384,
    timeoutSeconds: 45,
    triggers: [
      {
        stream: 'Messages',
        batchSize: 100,
        // A stream mapping retries forever by default; cap it, bisect and divert what still fails.
        retryAttempts: 3,
        bisectBatchOnError: true,
        maxRecordAgeSeconds: 3600,
        // Only the entities clients see.
        filter: { dynamodb: { NewImage: { entity: { S: ['message', 'conversation'] } } } },
        onFailure: 'broadcastFailures',
      },
    ],
    environment: { ...connectionsTable, FEED_TABLE: { from: { table: 'Feed' } }, ...managementEndpoint, ...statsTable },
    grants: [
      // Read to find a tenant's connections, write to forget the ones that are gone.
      { table: 'Connections', actions: ['dynamodb:Query', 'dynamodb:DeleteItem'] },
      // Reserve numbers (one UpdateItem on a tenant's counter), then write frames, markers and holes.
      { table: 'Feed', actions: ['dynamodb:UpdateItem', 'dynamodb:PutItem'] },
      { webSocketConnections: true },
      // Received → delivered lags of the batch's new messages.
      statsCounting,
    ],
  },
  /** The query API. The long-poll waits up to 25 s; API Gateway REST gives up at 29 s. */
  query: {
    memoryMb: 256,
    timeoutSeconds: 28,
    // Capped: each long-poll holds an instance up to 25 s.
    reservedConcurrency: 'query',
    triggers: queryRoutes,
    environment: {
      MESSAGES_TABLE: { from: { table: 'Messages' } },
      FEED_TABLE: { from: { table: 'Feed' } },
      BODY_BUCKET: { from: { bucket: 'bodies' } },
      ...statsTable,
      ...tokenVariables,
    },
    grants: [
      // Read only: a key lookup and index queries, never a scan or a write.
      { table: 'Messages', actions: ['dynamodb:GetItem', 'dynamodb:Query'] },
      // Kept media, through the links it signs: a link can do no more than the function that signed it.
      { bucket: 'bodies', prefix: 'media/', actions: ['s3:GetObject'] },
      { bucket: 'bodies', prefix: 'uploads/', actions: ['s3:GetObject'] },
      // A tenant's counter by key, and its feed's range after a cursor.
      { table: 'Feed', actions: ['dynamodb:GetItem', 'dynamodb:Query'] },
      // A tenant's hour buckets or attempts, one partition; an admin's stack-wide view through byScope's eight shards.
      { table: 'Stats', actions: ['dynamodb:Query'] },
      tokenSecretRead,
    ],
  },
  /** $connect: admits a client with a valid token. Anyone may knock: capped. */
  connect: {
    memoryMb: 256,
    timeoutSeconds: 10,
    reservedConcurrency: 'connect',
    triggers: [
      {
        webSocket: '$connect',
        authenticatedBy: 'Clients authenticate at $connect with a token the connect function verifies (HS256 secret or OIDC JWKS); later routes ride on that connection.',
      },
    ],
    environment: { ...connectionsTable, ...tokenVariables },
    grants: [{ table: 'Connections', actions: ['dynamodb:PutItem'] }, tokenSecretRead],
  },
  /** $default: answers ping and stores subscriptions. A token holder's connections may send as fast as the stage lets them: capped. */
  socket: {
    memoryMb: 256,
    timeoutSeconds: 10,
    reservedConcurrency: 'socket',
    triggers: [{ webSocket: '$default', authenticatedBy: onAcceptedConnection }],
    environment: { ...connectionsTable, ...managementEndpoint },
    // A subscription is one conditional update of the connection's own record.
    grants: [{ table: 'Connections', actions: ['dynamodb:UpdateItem'] }, { webSocketConnections: true }],
  },
  disconnect: {
    memoryMb: 256,
    timeoutSeconds: 5,
    triggers: [{ webSocket: '$disconnect', authenticatedBy: onAcceptedConnection }],
    environment: connectionsTable,
    grants: [{ table: 'Connections', actions: ['dynamodb:DeleteItem'] }],
  },
  /**
   * Accepts an agent's message to send (POST /conversations/{id}/messages, POST /messages, and
   * the WebSocket's `send` action): checks it can be sent, stores it as queued with its
   * idempotency record in one transaction, then queues it for its channel's sender.
   */
  send: {
    // A 4,096-character reply with 10 media items and ?wait=10 unanswered peaks at 95 MB (the floor); its 10 s wait, tripled, meets API Gateway's cap.
    memoryMb: 256,
    timeoutSeconds: 28,
    // Capped: a token holder could otherwise keep any number of instances busy.
    reservedConcurrency: 'send',
    triggers: [
      ...sendRoutes.map((path): HttpTrigger => ({ http: { method: 'POST', path }, authenticatedBy: byInboxToken })),
      // /conversations/{id}/messages has its preflight already: the query function answers it for GET and POST.
      { http: { method: 'OPTIONS', path: '/messages' }, authenticatedBy: preflight },
      // A signed upload URL for a file to attach (core/uploads.ts).
      { http: { method: 'POST', path: '/media' }, authenticatedBy: byInboxToken },
      { http: { method: 'OPTIONS', path: '/media' }, authenticatedBy: preflight },
      { webSocket: 'send', authenticatedBy: onAcceptedConnection },
    ],
    environment: {
      MESSAGES_TABLE: { from: { table: 'Messages' } },
      SENDING_TABLE: { from: { table: 'Sending' } },
      ENDPOINTS_TABLE: { from: { table: 'Endpoints' } },
      ...sendQueueVariables,
      ...connectionsTable,
      ...managementEndpoint,
      ...tokenVariables,
      BODY_BUCKET: { from: { bucket: 'bodies' } },
    },
    grants: [
      // The conversation and the message by key; the accept's transaction (message, conversation, open marker).
      { table: 'Messages', actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'] },
      // The idempotency record, read and written in the accept's transaction; an upload's declared file.
      { table: 'Sending', actions: ['dynamodb:GetItem', 'dynamodb:PutItem'] },
      // Whether the sending endpoint is the tenant's and has send credentials; never their values.
      { table: 'Endpoints', actions: ['dynamodb:GetItem'] },
      ...sendQueueIds.map((queue) => ({ queue, actions: ['sqs:SendMessage'] }) as const),
      // A WebSocket send: the connection's tenant, and the answer on that connection.
      { table: 'Connections', actions: ['dynamodb:GetItem'] },
      { webSocketConnections: true },
      tokenSecretRead,
      // A signed upload URL is the send function's PutObject; the accept's HeadObject of the file is a GetObject.
      { bucket: 'bodies', prefix: 'uploads/', actions: ['s3:PutObject', 's3:GetObject'] },
    ],
  },
  /** Sends queued messages through the providers' APIs, one conditional claim per attempt, within each sender's rate. */
  sender: {
    // 10 MMS for one long code peak at 150 MB and take 8.2 s on Lambda (up to 5 s waiting for rate slots), tripled, plus retries.
    memoryMb: 384,
    timeoutSeconds: 45,
    triggers: sendQueueIds.map((queue) => ({ queue, batchSize: 10, maxBatchingWindowSeconds: 0, maxConcurrency: 20 })),
    environment: { ...senderEnvironment, ...statsTable },
    // Sent and failed, by the sending endpoint.
    grants: [...senderGrants, statsCounting],
  },
  /**
   * Every few minutes: queues a message accepted but never queued, settles a send whose outcome
   * is unknown, and asks the provider about messages sent long ago that no callback closed.
   */
  reconciler: {
    // A run queueing 500 lost messages again peaks at 139 MB and takes 14 s on Lambda's CPU share, tripled, plus retries.
    memoryMb: 384,
    timeoutSeconds: 50,
    triggers: [{ schedule: { rateMinutes: 2 } }],
    environment: { ...senderEnvironment },
    grants: [...senderGrants, { table: 'Sending', actions: ['dynamodb:Query'] }],
  },
  /**
   * Keeps inbound media: fetches each file a stored message names (WhatsApp media ids through
   * the Graph API, Twilio MediaUrlN, Messenger and Instagram CDN URLs, an email's attachments
   * from its archived request) into the body bucket under its tenant, then settles the
   * message's media ready or failed (functions/core/media.ts).
   */
  media: {
    // Measured (bench/results/2026-11-23-footprint.json, 2026-12-03): 2 MMS of 10 files at the 25 MiB cap peak at 544 MB,
    // 8 files held whole at once (379 MB of buffers, each twice while it is joined); the rule doubles it.
    memoryMb: 1152,
    // Its design, not the measured 5 s: every file of a batch stalled, 8 at a time, 3 rounds of 3 attempts of 15 s and their backoff.
    timeoutSeconds: 140,
    triggers: [
      {
        stream: 'Messages',
        batchSize: 2,
        retryAttempts: 3,
        bisectBatchOnError: true,
        // Meta's CDN URLs last hours, a WhatsApp media id 30 days: a file not kept within a day is not worth a retry.
        maxRecordAgeSeconds: 86_400,
        // Only messages the processor stores with media still to fetch, once: a receipt or reaction that changes the
        // message meanwhile does not start a second fetch, and the settling update (which removes the flag) never triggers it.
        filter: { eventName: ['INSERT'], dynamodb: { NewImage: { entity: { S: ['message'] }, mediaPending: { BOOL: [true] } } } },
        // The broadcaster's queue: its pointers name the stream records, whichever consumer gave up on them.
        onFailure: 'broadcastFailures',
      },
    ],
    environment: {
      MESSAGES_TABLE: { from: { table: 'Messages' } },
      ENDPOINTS_TABLE: { from: { table: 'Endpoints' } },
      BODY_BUCKET: { from: { bucket: 'bodies' } },
      SEND_KEY_ARN: { from: { secret: 'sendKey' } },
      TWILIO_API_BASE_URL: { from: { setting: 'twilioApiBaseUrl' } },
      GRAPH_API_BASE_URL: { from: { setting: 'graphApiBaseUrl' } },
      MEDIA_MAX_BYTES: { from: { setting: 'mediaMaxBytes' } },
      MEDIA_ALLOWED_TYPES: { from: { setting: 'mediaAllowedTypes' } },
      MEDIA_FETCH_TIMEOUT_SECONDS: { from: { setting: 'mediaFetchTimeoutSeconds' } },
      MEDIA_FETCH_ATTEMPTS: { from: { setting: 'mediaFetchAttempts' } },
    },
    grants: [
      // One conditional UpdateItem per message settles its media; never a read of anything else.
      { table: 'Messages', actions: ['dynamodb:UpdateItem'] },
      // The message's endpoint by key, for its sealed send credentials (Meta's token, Twilio's account).
      { table: 'Endpoints', actions: ['dynamodb:GetItem'] },
      { secret: 'sendKey' },
      { bucket: 'bodies', prefix: 'media/', actions: ['s3:PutObject'] },
      // An email's attachments, from its request as the processor archived it (and its body, when it was too large to queue).
      { bucket: 'bodies', prefix: 'archive/', actions: ['s3:GetObject'] },
      { bucket: 'bodies', prefix: 'bodies/', actions: ['s3:GetObject'] },
    ],
  },
  /** GET /health: liveness, ingest queue depth and age of its oldest message, DLQ depth. */
  health: {
    memoryMb: 256,
    timeoutSeconds: 5,
    triggers: [
      {
        http: { method: 'GET', path: '/health' },
        authenticatedBy: "A load balancer's or uptime checker's probe: it reads three queue figures, no messages and no tenant's data.",
      },
    ],
    environment: { INGEST_QUEUE_URL: { from: { queue: 'ingest' } }, DEAD_LETTER_QUEUE_URL: { from: { queue: 'deadLetter' } } },
    grants: [
      { queue: 'ingest', actions: ['sqs:GetQueueAttributes'] },
      { queue: 'deadLetter', actions: ['sqs:GetQueueAttributes'] },
      { anyResource: ['cloudwatch:GetMetricData'] },
    ],
  },
} as const satisfies Record<string, FunctionDefinition>;

/** A handler's folder under functions/: its entry is functions/<name>/handler.ts. */
export type FunctionName = keyof typeof functionDefinitions;

export const functionNames = Object.keys(functionDefinitions) as FunctionName[];

export interface FunctionSize {
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
}

/** Each function's memory and timeout, as the bench and the footprint test read them. */
export const functionSizes = Object.fromEntries(
  functionNames.map((name) => [name, { memoryMb: functionDefinitions[name].memoryMb, timeoutSeconds: functionDefinitions[name].timeoutSeconds }]),
) as Record<FunctionName, FunctionSize>;

/** The triggers of one kind across every function, with the function each invokes. */
export const triggersOf = <Kind extends Trigger>(is: (trigger: Trigger) => trigger is Kind): { readonly functionName: FunctionName; readonly trigger: Kind }[] =>
  functionNames.flatMap((functionName) => (functionDefinitions[functionName].triggers as readonly Trigger[]).filter(is).map((trigger) => ({ functionName, trigger })));

export const isHttpTrigger = (trigger: Trigger): trigger is HttpTrigger => 'http' in trigger;
export const isWebSocketTrigger = (trigger: Trigger): trigger is WebSocketTrigger => 'webSocket' in trigger;
export const isQueueTrigger = (trigger: Trigger): trigger is QueueTrigger => 'queue' in trigger;
export const isStreamTrigger = (trigger: Trigger): trigger is StreamTrigger => 'stream' in trigger;
export const isScheduleTrigger = (trigger: Trigger): trigger is ScheduleTrigger => 'schedule' in trigger;

/** The one trigger of a kind a function has (the processor's queue, the broadcaster's stream). */
export const onlyTriggerOf = <Kind extends Trigger>(functionName: FunctionName, is: (trigger: Trigger) => trigger is Kind): Kind => {
  const [trigger, ...others] = (functionDefinitions[functionName].triggers as readonly Trigger[]).filter(is);
  if (!trigger || others.length > 0) throw new Error(`${functionName} must have exactly one trigger of this kind`);
  return trigger;
};
