#!/usr/bin/env node
/**
 * `npm start`: the whole pipeline, every listener on 127.0.0.1 only, or on the address in
 * HOST. Ports come from PORT, WS_PORT, DYNAMODB_PORT and SQS_PORT; DYNAMODB_ENDPOINT uses a
 * DynamoDB already running there instead of starting DynamoDB Local; `--data-dir <dir>` keeps
 * data across restarts; Ctrl-C stops everything.
 */
import { parseArgs } from 'node:util';
import { issueToken } from '../functions/core/tokens.ts';
import { startLocalStack } from '../lib/local/stack.ts';
import { removeStateFile, stateFilePath, writeStateFile } from '../lib/local/state-file.ts';

const { values: flags } = parseArgs({
  options: { 'data-dir': { type: 'string' }, tenant: { type: 'string', default: 'demo' } },
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
const stack = await startLocalStack({
  ...(process.env.HOST && { host: process.env.HOST }),
  httpPort: port('PORT', 3000),
  wsPort: port('WS_PORT', 3001),
  dynamodbPort: port('DYNAMODB_PORT', 8000),
  sqsPort: port('SQS_PORT', 4566),
  ...(process.env.DYNAMODB_ENDPOINT && { dynamodbEndpoint: process.env.DYNAMODB_ENDPOINT }),
  ...(flags['data-dir'] && { dataDir: flags['data-dir'] }),
  ...(process.env.PUBLIC_BASE_URL && { publicBaseUrl: process.env.PUBLIC_BASE_URL }),
  ...(process.env.JWT_SECRET && { jwtSecret: process.env.JWT_SECRET }),
  ...(process.env.SWITCHBOARD_VISIBILITY_TIMEOUT && { visibilityTimeoutSeconds: Number(process.env.SWITCHBOARD_VISIBILITY_TIMEOUT) }),
  onError: (source, error) => console.error(`[${source}]`, error),
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

  Token for tenant "${flags.tenant}" (1 h):
  ${token}

  Next:  npx switchboard endpoint add --provider twilio --tenant ${flags.tenant} --secret <auth token>
         npx switchboard tail --tenant ${flags.tenant}

Ready. Press Ctrl-C to stop.`);
