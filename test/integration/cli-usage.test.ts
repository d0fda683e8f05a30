import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot, runCli } from '../helpers/run-node.ts';

/**
 * `switchboard` called wrongly, as a newcomer does: one line saying what is wrong, then the
 * usage of the command meant, exit code 2, and never a stack trace. None of these calls gets
 * as far as a stack: the state file named is one that no stack wrote.
 */
const env = { SWITCHBOARD_STATE_FILE: join(projectRoot, '.switchboard', 'no-stack-in-these-tests.json') };

/** A line of a stack trace: `    at run (file:///…/switchboard.ts:12:5)`. */
const stackFrame = /^\s+at .*:\d+:\d+\)?$/m;

describe.concurrent('a wrong call of switchboard', () => {
  it.each([
    [['endpoint', 'add', '--provider', 'sendgrid', '--public-key', 'MFkw'], 'unknown option --public-key', 'usage: switchboard endpoint add '],
    [['send', 'ep_1', '--endpoint', 'ep_1'], 'unknown option --endpoint', 'usage: switchboard send '],
    [['--data', '.data'], 'expected a command before --data', 'usage: switchboard <command> '],
    [['token', '--tenant'], '--tenant needs a value', 'usage: switchboard token '],
    [['tail', '--tenant', '--json'], '--tenant needs a value (for one that starts with "-", write --tenant=--json)', 'usage: switchboard tail '],
    [['dlq', 'list', '--json=yes'], '--json takes no value', 'usage: switchboard dlq list '],
    [['frob'], 'unknown command "frob"', 'usage: switchboard <command> '],
    [['dlq', 'purge'], 'unknown command "dlq purge"', 'usage: switchboard dlq <command> '],
    [['endpoint'], 'endpoint needs one of: add, secret, credentials, list, remove', 'usage: switchboard endpoint <command> '],
    [['endpoint', 'remove'], 'endpoint remove needs <endpointId>', 'usage: switchboard endpoint remove '],
    [['--stack', 'Switchboard', 'endpoint', 'remove'], 'endpoint remove needs <endpointId>', 'usage: switchboard endpoint remove '],
    [['quarantine', 'list', 'acme'], 'unexpected argument "acme"', 'usage: switchboard quarantine list '],
    [['token'], '--tenant is required: a token grants one tenant', 'usage: switchboard token '],
    [['archive', 'search', '--to', '2026-12-04'], '--from is required: the archive is searched by when requests were received', 'usage: switchboard archive search '],
    [['endpoint', 'add', '--provider', 'twilio', '--secret', 'an-auth-token'], '--tenant is required: the tenant whose messages the endpoint receives', 'usage: switchboard endpoint add '],
  ])('%j says so in one line, then the usage of the command meant, with exit code 2', async (args, problem, usage) => {
    const { code, stdout, stderr } = await runCli(args, { env });

    const [first, blank, usageLine] = stderr.split('\n');
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(first).toBe(`switchboard: ${problem}`);
    expect(blank).toBe('');
    expect(usageLine?.startsWith(usage)).toBe(true);
    expect(stderr).not.toMatch(stackFrame);
  });

  it('prints the package version for --version and -v', async () => {
    const { version } = JSON.parse(await readFile(join(projectRoot, 'package.json'), 'utf8')) as { version: string };

    const calls = await Promise.all([runCli(['--version'], { env }), runCli(['-v'], { env })]);

    expect(calls).toEqual([
      { code: 0, stdout: `${version}\n`, stderr: '' },
      { code: 0, stdout: `${version}\n`, stderr: '' },
    ]);
  });

  it("prints a command's usage for --help, and every command's for switchboard --help", async () => {
    const [command, all] = await Promise.all([runCli(['endpoint', 'add', '--help'], { env }), runCli(['--help'], { env })]);

    expect(command.code).toBe(0);
    expect(command.stdout).toMatch(/^usage: switchboard endpoint add --provider <p> --tenant <t> --secret <s>/);
    expect(command.stdout).not.toContain('dlq');
    expect(all.code).toBe(0);
    expect(all.stdout).toMatch(/^usage: switchboard <command> /);
    for (const name of ['endpoint add', 'endpoint secret add', 'endpoint list', 'send', 'token', 'tail', 'quarantine replay', 'dlq redrive', 'archive search', 'archive replay']) expect(all.stdout).toContain(`\n  ${name} `);
  });
});
