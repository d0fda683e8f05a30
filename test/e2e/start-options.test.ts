import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenClaims } from '../../inbox/model.js';
import { startLocalStackProcess, type LocalStackProcess } from '../helpers/local-stack.ts';
import { freePort } from '../helpers/ports.ts';

/**
 * `npm start`'s options as a user types them: a relative --data-dir from a subfolder of the
 * project lands there, not where the script or DynamoDB Local's JVM runs; --tenant chooses whose
 * inbox the banner links to; a wrong usage is one line and the usage, exit 2, before anything starts.
 */

const root = fileURLToPath(new URL('../../', import.meta.url));
const relativeDataDir = `start-options-data-${process.pid}`;
let typedIn: string;
let stack: LocalStackProcess | undefined;

beforeAll(async () => {
  typedIn = await mkdtemp(join(tmpdir(), 'switchboard-typed-in-'));
});

afterAll(async () => {
  await stack?.stop();
  await rm(typedIn, { recursive: true, force: true });
  // Where a relative path went before it was resolved against the folder it was typed in.
  await rm(join(root, relativeDataDir), { recursive: true, force: true });
});

/** `npm start -- <args>` as npm runs it when typed in `folder`: in the project's root, saying where it was typed. */
const asTypedIn = (folder: string) => ({ npm_lifecycle_event: 'start', INIT_CWD: folder });

describe('npm start, typed in a folder of its own', () => {
  it('keeps its data in --data-dir relative to that folder, and links the banner to the --tenant chosen', { timeout: 90_000 }, async () => {
    // Act
    stack = await startLocalStackProcess(asTypedIn(typedIn), ['--data-dir', relativeDataDir, '--tenant', 'globex']);
    await stack.cli(['endpoint', 'add', '--provider', 'twilio', '--tenant', 'globex', '--secret', 'start-options-token']);
    const banner = stack.output();
    const link = new URL(/Inbox\s+(\S+)/.exec(banner)?.[1] ?? '');
    await stack.stop();
    stack = undefined;

    // Assess
    const dataDir = join(typedIn, relativeDataDir);
    expect(banner).toContain(`Data         ${dataDir}`);
    expect(existsSync(join(dataDir, 'dynamodb', 'local_us-east-1.db'))).toBe(true);
    expect(existsSync(join(dataDir, 'sqs'))).toBe(true);
    expect(existsSync(join(root, relativeDataDir))).toBe(false);
    expect(tokenClaims(link.searchParams.get('token') ?? '').tenant).toBe('globex');
    expect(banner).toContain('The Inbox link and this token (1 h) are for tenant "globex" only;');
    expect(banner).toContain('another tenant: npm start -- --tenant <id>, or npx switchboard token --tenant <id>');
  });
});

describe('npm start used wrongly', () => {
  /**
   * Runs `npm start -- <args>` typed in `folder`; resolves with its exit code and output. Should
   * it start after all, it does so on free ports and is stopped (Ctrl-C) after a while.
   */
  const start = async (args: readonly string[], folder = typedIn) => {
    const ports = { PORT: '0', WS_PORT: '0', DYNAMODB_PORT: String(await freePort()), SQS_PORT: '0' };
    const env = { ...process.env, ...ports, SWITCHBOARD_STATE_FILE: join(typedIn, 'wrong-usage-state.json'), ...asTypedIn(folder) };
    const result = await promisify(execFile)(process.execPath, ['bin/start.ts', ...args], { cwd: root, env, timeout: 20_000, killSignal: 'SIGINT' }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (error: { code: number; stdout: string; stderr: string }) => error,
    );
    return { code: result.code, stdout: result.stdout, stderr: result.stderr.trimEnd().split('\n') };
  };

  it('says in one line which --data-dir cannot be used and why, and starts nothing', async () => {
    await writeFile(join(typedIn, 'a-file'), 'not a folder');
    await mkdir(join(typedIn, 'sub'), { recursive: true });

    const file = await start(['--data-dir', 'a-file']);
    const underFile = await start(['--data-dir', '../a-file/data'], join(typedIn, 'sub'));

    expect(file).toEqual({ code: 2, stdout: '', stderr: [`--data-dir ${join(typedIn, 'a-file')} cannot be used: it is a file, not a folder`] });
    expect(underFile).toEqual({ code: 2, stdout: '', stderr: [`--data-dir ${join(typedIn, 'a-file', 'data')} cannot be used: part of the path is a file, not a folder`] });
  });

  it.each([
    [['--bogus'], "Unknown option '--bogus'"],
    [['--data-dir'], "Option '--data-dir <value>' argument missing"],
    [['extra'], "Unexpected argument 'extra'"],
    [['--tenant', ' '], '--tenant needs a tenant id'],
  ])('answers %j with what is wrong and the usage, exit 2, no stack trace', async (args, problem) => {
    const { code, stderr } = await start(args);

    expect(code).toBe(2);
    expect(stderr[0]).toBe(problem);
    expect(stderr[1]).toBe('usage: npm start -- [--data-dir <folder>] [--tenant <id>]');
    expect(stderr.join('\n')).not.toMatch(/\n\s+at /);
  });
});
