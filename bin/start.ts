#!/usr/bin/env node
/**
 * `npm start`: the whole pipeline, every listener on 127.0.0.1 only, or on the address in
 * HOST. Ports come from PORT, WS_PORT, DYNAMODB_PORT and SQS_PORT; DYNAMODB_ENDPOINT uses a
 * DynamoDB already running there instead of starting DynamoDB Local; `--data-dir <dir>` keeps
 * data across restarts; `--tenant <id>` chooses the tenant of the banner's inbox link and
 * token; Ctrl-C stops everything.
 */
import { parseArgs } from 'node:util';
import { issueToken } from '../functions/core/tokens.ts';
import { callerDirectory, prepareDataDir } from '../lib/local/data-dir.ts';
import { defaultLocalTenant } from '../lib/local/default-tenant.ts';
import { removeStateFile, stateFilePath, writeStateFile } from '../lib/local/state-file.ts';

const usage = `usage: npm start -- [--data-dir <folder>] [--tenant <id>]
  --data-dir <folder>  keep the tables and queues in this folder across restarts (default: in memory)
  --tenant <id>        the tenant of the inbox link and token the banner prints (default: ${defaultLocalTenant})`;

/** A wrong usage: one line saying what is wrong, then the usage, and exit code 2. */
const wrongUsage = (problem: string): never => {
  console.error(`${problem}\n${usage}`);
  process.exit(2);
};

const parseFlags = () => {
  try {
    return parseArgs({ options: { 'data-dir': { type: 'string' }, tenant: { type: 'string', default: defaultLocalTenant }, help: { type: 'boolean', short: 'h' } } }).values;
  } catch (error) {
    // The parser's first sentence names the problem; the rest is advice for programmers.
    return wrongUsage((error as Error).message.split('. ')[0] ?? String(error));
  }
};

const flags = parseFlags();
if (flags.help) {
  console.log(usage);
  process.exit(0);
}
if (flags.tenant.trim() === '') wrongUsage('--tenant needs a tenant id');
const dataDir =
  flags['data-dir'] === undefined
    ? undefined
    : await prepareDataDir(flags['data-dir'], callerDirectory()).catch((error: unknown) => {
        console.error(error instanceof Error ? error.message : String(error));
        return process.exit(2);
      });

const port = (name: string, fallback: number): number => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 0 || value > 65535) {
    console.error(`${name} must be a port number, got "${process.env[name]}"`);
    process.exit(2);
  }
  return value;
};

const statePath = stateFilePath();
// Loaded once the usage is known to be right: the stack's modules take most of a second to load.
const { startLocalStack } = await import('../lib/local/stack.ts');
const stack = await startLocalStack({
  ...(process.env.HOST && { host: process.env.HOST }),
  httpPort: port('PORT', 3000),
  wsPort: port('WS_PORT', 3001),
  dynamodbPort: port('DYNAMODB_PORT', 8000),
  sqsPort: port('SQS_PORT', 4566),
  ...(process.env.DYNAMODB_ENDPOINT && { dynamodbEndpoint: process.env.DYNAMODB_ENDPOINT }),
  ...(dataDir && { dataDir }),
  ...(process.env.PUBLIC_BASE_URL && { publicBaseUrl: process.env.PUBLIC_BASE_URL }),
  ...(process.env.JWT_SECRET && { jwtSecret: process.env.JWT_SECRET }),
  ...(process.env.SWITCHBOARD_VISIBILITY_TIMEOUT && { visibilityTimeoutSeconds: Number(process.env.SWITCHBOARD_VISIBILITY_TIMEOUT) }),
  onError: (source, error) => console.error(`[${source}]`, error),
  // The alarm topic's subscriber, as the alarm email is on AWS: one line per alert (an endpoint's signature failures).
  onAlert: ({ subject }) => console.log(`alert: ${subject}`),
}).catch((error: unknown) => {
  console.error(`Switchboard could not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});

const { description } = stack;
await writeStateFile(statePath, description);

let stopping = false;
const shutdown = async () => {
  if (stopping) return;
  stopping = true;
  console.log('\nStopping Switchboard…');
  await stack.stop();
  await removeStateFile(statePath);
  process.exit(0);
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);

const token = await issueToken(flags.tenant, description.jwtSecret, 3600);
console.log(`
Switchboard is running locally.

  Inbox        ${description.httpUrl}/?token=${token}
  Webhooks     ${description.publicBaseUrl}/webhooks/{provider}/{endpointId}
  WebSocket    ${description.wsUrl}/?token=<JWT>
  DynamoDB     ${description.dynamodbEndpoint}   (${process.env.DYNAMODB_ENDPOINT ? 'DYNAMODB_ENDPOINT' : 'DynamoDB Local'})
  SQS          ${description.sqsEndpoint}   (fauxqs)
  Alerts       ${description.topics.alerts}   (fauxqs; each printed here as "alert: <subject>")
  Twilio API   ${description.providerApiBaseUrls.twilioApiBaseUrl}   (stand-in: replies are sent here, nowhere else)
  Graph API    ${description.providerApiBaseUrls.graphApiBaseUrl}   (stand-in)
  SendGrid     ${description.providerApiBaseUrls.sendgridApiBaseUrl}   (stand-in; its Event Webhook key: ${description.standIns?.sendgridVerificationKey ?? 'n/a'})
  Mailgun      ${description.providerApiBaseUrls.mailgunApiBaseUrl}   (stand-in)
  SMS gateway  ${description.providerApiBaseUrls.androidGatewayApiBaseUrl}   (SMS Gateway for Android stand-in)
  Gateway URL  ${description.standIns?.smsWebhookGatewayUrl ?? 'n/a'}   (a webhook gateway stand-in: --sms-webhook-url)
  Data         ${dataDir ?? 'in memory (npm start -- --data-dir <folder> keeps it)'}

  The Inbox link and this token (1 h) are for tenant "${flags.tenant}" only;
  another tenant: npm start -- --tenant <id>, or npx switchboard token --tenant <id>
  ${token}

  Next:  npx switchboard endpoint add --provider twilio --tenant ${flags.tenant} --secret <auth token>
         npx switchboard endpoint credentials <endpointId> --twilio-account-sid <AC…> --twilio-auth-token <auth token>
         npx switchboard tail --tenant ${flags.tenant}

Ready. Press Ctrl-C to stop.`);
