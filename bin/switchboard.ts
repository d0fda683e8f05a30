#!/usr/bin/env node
/**
 * The `switchboard` CLI: endpoints, tokens, a live tail, quarantine and the DLQ, against the local stack
 * (`npm start`) or, with --stack <name>, a deployed one.
 */
import { parseArgs } from 'node:util';
import { issueToken, parseDuration } from '../functions/core/tokens.ts';
import { describeRedrive, formatDeadLetters, listDeadLetters, redrive } from '../lib/cli/dlq.ts';
import { addEndpoint, changeSecret, listEndpoints, removeEndpoint } from '../lib/cli/endpoint.ts';
import { describeReplay, formatQuarantined, listQuarantined, replayQuarantined } from '../lib/cli/quarantine.ts';
import { send } from '../lib/cli/send.ts';
import { tail } from '../lib/cli/tail.ts';
import { resolveQueueTarget, resolveTarget } from '../lib/cli/target.ts';
import { terminalLines } from '../lib/cli/terminal-text.ts';
import { UsageError } from '../lib/cli/usage-error.ts';

const usage = `usage: switchboard <command> [options] [--stack <name>]

  endpoint add --provider <p> --tenant <t> --secret <s> [--secret <s>]
               [--verify-token <v>] [--route <account id>=<tenant>]...
                                  register a webhook endpoint; prints its id and URL
                                  (meta needs --verify-token; --route shares one
                                  provider app between tenants)
  endpoint secret add|remove <endpointId> --secret <s>
                                  rotate a secret: add the new one, switch the
                                  provider over, remove the old one
  endpoint list                   list endpoints
  endpoint remove <endpointId>    remove an endpoint
  send <endpointId> [--text <t>] [--from <a>] [--to <a>] [--curl]
                                  post a signed sample message to an endpoint, as
                                  its provider would (--curl prints the command)
  token --tenant <t> [--ttl 1h]   print a JWT for the WebSocket (and query API); at most the stack's token lifetime (24h by default)
  tail --tenant <t> [--conversation <id>] [--json]
                                  print a tenant's live events (or one conversation's)
  quarantine list [--tenant <t>] [--json]
                                  requests the processor could never process,
                                  newest first, with why (never their content)
  quarantine replay <id>          queue a quarantined request again, after a fix
  dlq list [--json]               what is in the DLQ and why, without consuming it
  dlq redrive                     move everything in the DLQ back to the ingest queue

  --stack <name>   talk to a deployed stack (its CloudFormation outputs) instead of npm start`;

const { values: flags, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    provider: { type: 'string' },
    tenant: { type: 'string' },
    conversation: { type: 'string' },
    secret: { type: 'string', multiple: true, default: [] },
    'verify-token': { type: 'string' },
    route: { type: 'string', multiple: true, default: [] },
    ttl: { type: 'string', default: '1h' },
    json: { type: 'boolean', default: false },
    text: { type: 'string', default: 'Hello from Switchboard' },
    from: { type: 'string' },
    to: { type: 'string' },
    curl: { type: 'boolean', default: false },
    stack: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

/**
 * The CLI's one way to the terminal. What it prints is largely data from outside, so every line
 * goes out with its control characters escaped (terminal-text.ts): commands hand over lines,
 * never a text whose newlines could come from a field.
 */
const print = (lines: readonly string[], log: (text: string) => void = console.log) => log(terminalLines(lines));
// JSON.stringify never puts a newline inside a string: these lines are its indentation's.
const printJson = (value: unknown) => print(JSON.stringify(value, null, 2).split('\n'));
/** Prints a result for people, or as JSON with --json. */
const show = <Result>(result: Result, describe: (result: Result) => readonly string[]) => (flags.json ? printJson(result) : print(describe(result)));

const run = async (): Promise<number> => {
  const [command, ...operands] = positionals;
  if (flags.help || !command) {
    print(usage.split('\n'));
    return flags.help ? 0 : 2;
  }
  const target = () => resolveTarget(flags.stack);
  const queueTarget = () => resolveQueueTarget(flags.stack);
  const unknown = () => new UsageError(`unknown command "${positionals.join(' ')}"`, { showUsage: true });
  switch (command) {
    case 'endpoint': {
      const [action, ...rest] = operands;
      const [endpointId] = rest;
      if (action === 'add') {
        printJson(
          await addEndpoint(await target(), {
            provider: flags.provider,
            tenant: flags.tenant,
            secrets: flags.secret,
            ...(flags['verify-token'] !== undefined && { verifyToken: flags['verify-token'] }),
            routes: flags.route,
          }),
        );
      } else if (action === 'secret' && (rest[0] === 'add' || rest[0] === 'remove')) {
        if (flags.secret.length !== 1) throw new UsageError('endpoint secret takes exactly one --secret');
        printJson(await changeSecret(await target(), rest[0], rest[1], flags.secret[0]));
      }
      else if (action === 'list') printJson(await listEndpoints(await target()));
      else if (action === 'remove') printJson(await removeEndpoint(await target(), endpointId));
      else throw unknown();
      return 0;
    }
    case 'send':
      print(await send(await target(), operands[0], { text: flags.text, from: flags.from, to: flags.to, curl: flags.curl }));
      return 0;
    case 'token': {
      if (!flags.tenant) throw new UsageError('--tenant is required: a token grants one tenant');
      const stack = await target();
      const ttl = parseDuration(flags.ttl);
      if (ttl > stack.tokenMaxLifetimeSeconds) {
        throw new UsageError(`--ttl ${flags.ttl} is longer than this stack accepts: at most ${stack.tokenMaxLifetimeSeconds} s (its tokenMaxLifetimeSeconds)`);
      }
      print([await issueToken(flags.tenant, await stack.jwtSecret(), ttl, stack.tokenMaxLifetimeSeconds)]);
      return 0;
    }
    case 'tail': {
      if (!flags.tenant) throw new UsageError('--tenant is required: a tail follows one tenant');
      const code = await tail(await target(), flags.tenant, {
        json: flags.json,
        print: (line) => print([line]),
        ...(flags.conversation !== undefined && { conversationId: flags.conversation }),
      });
      return code === 1000 ? 0 : 1;
    }
    case 'quarantine': {
      const [action, id] = operands;
      if (action === 'list') show(await listQuarantined(await queueTarget(), { ...(flags.tenant && { tenant: flags.tenant }) }), formatQuarantined);
      else if (action === 'replay') show(await replayQuarantined(await queueTarget(), id), describeReplay);
      else throw unknown();
      return 0;
    }
    case 'dlq': {
      const [action] = operands;
      if (action === 'list') show(await listDeadLetters(await queueTarget()), formatDeadLetters);
      else if (action === 'redrive') show(await redrive(await queueTarget()), describeRedrive);
      else throw unknown();
      return 0;
    }
    default:
      throw unknown();
  }
};

try {
  process.exitCode = await run();
} catch (error) {
  print([`switchboard: ${error instanceof Error ? error.message : String(error)}`], console.error);
  if (error instanceof UsageError && error.showUsage) print(['', ...usage.split('\n')], console.error);
  process.exitCode = error instanceof UsageError ? 2 : 1;
}
