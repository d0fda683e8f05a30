import { afterEach, describe, expect, it, vi } from 'vitest';
import { findCommand } from '../../../lib/cli/commands.ts';
import { UsageError } from '../../../lib/cli/usage-error.ts';

/** The command `args` call, run; what it throws, or the exit code it resolves with. */
const run = (args: readonly string[]): Promise<number> => {
  const found = findCommand(args);
  if (!('command' in found)) throw new Error(`no command in ${args.join(' ')}: ${found.wrong}`);
  return found.command.run(found.rest);
};

afterEach(() => {
  vi.restoreAllMocks();
});

/** None of these calls gets as far as a stack: each is refused for how it was called. */
describe('the sending commands called wrongly', () => {
  it.each([
    [['reply', 'conv_1'], '--tenant is required: a reply is sent as one tenant', 'usage: switchboard reply <conversationId> --tenant <t>'],
    [['reply', '--tenant', 'acme'], 'reply needs <conversationId>', 'usage: switchboard reply '],
    [['reply', 'conv_1', '--tenant', 'acme', '--to', '+1555'], 'unknown option --to', 'usage: switchboard reply '],
    [['send-message', '--tenant', 'acme', '--endpoint', 'ep_1', '--channel', 'sms'], "--to is required: the customer's address", 'usage: switchboard send-message '],
    [['outbox', 'retry', 'msg_1'], '--tenant is required: the tenant whose message it is', 'usage: switchboard outbox retry '],
    [['outbox', 'list'], "--tenant is required: an outbox is one tenant's", 'usage: switchboard outbox list '],
    [['outbox', 'list', '--tenant', 'acme', '--status'], '--status needs a value', 'usage: switchboard outbox list '],
    [['endpoint', 'credentials'], 'endpoint credentials needs <endpointId>', 'usage: switchboard endpoint credentials '],
    [['endpoint', 'credentials', 'ep_1', '--twilio-token', 't'], 'unknown option --twilio-token', 'usage: switchboard endpoint credentials '],
  ])('%j: %s', async (args, message, usage) => {
    const refusal: unknown = await run(args).catch((error: unknown) => error);

    expect(refusal).toBeInstanceOf(UsageError);
    expect(refusal).toMatchObject({ message });
    expect((refusal as UsageError).usage[0]?.startsWith(usage)).toBe(true);
  });

  it.each([
    [['reply', 'conv_1', '--tenant', 'acme'], 'a message needs --text, or --template with --language'],
    [['reply', 'conv_1', '--tenant', 'acme', '--text', 'hi', '--template', 'hello_world', '--language', 'en'], 'give --text or --template, not both: a template is sent alone'],
    [['reply', 'conv_1', '--tenant', 'acme', '--text', 'hi', '--wait', '11'], '--wait is whole seconds from 0 to 10; got "11"'],
    [['outbox', 'list', '--tenant', 'acme', '--status', 'lost'], '--status must be one of: queued, sending, sent, delivered, read, failed'],
    [['outbox', 'list', '--tenant', 'acme', '--limit', 'all'], '--limit is a whole number from 1 to 1000; got "all"'],
  ])('%j: %s, before any request', async (args, message) => {
    await expect(run(args)).rejects.toThrow(new UsageError(message));
  });

  it('names the new endpoint command among the group', () => {
    expect(findCommand(['endpoint'])).toMatchObject({ wrong: 'endpoint needs one of: add, secret, credentials, list, remove' });
    expect(findCommand(['outbox'])).toMatchObject({ wrong: 'outbox needs one of: list, retry' });
  });
});

describe('the sending commands --help', () => {
  it.each([
    [['endpoint', 'credentials', '--help'], ['SWITCHBOARD_TWILIO_AUTH_TOKEN', 'SWITCHBOARD_TWILIO_API_KEY_SECRET', 'SWITCHBOARD_META_ACCESS_TOKEN', '--rate <per second>']],
    [['reply', '--help'], ['--idempotency-key <k>', '--template <name> --language <code> [--param <v>]...', '--wait <s>']],
    [['outbox', 'list', '--help'], ['--status <s>', 'queued, sending, sent, delivered, read or failed']],
    [['outbox', 'retry', '--help'], ['<messageId> --tenant <t>', 'only a failed one']],
  ])('%j prints its usage, naming %j', async (args, named) => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);

    const code = await run(args);

    expect(code).toBe(0);
    const printed = log.mock.calls.map(([text]) => String(text)).join('\n');
    for (const text of named) expect(printed).toContain(text);
  });
});
