import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/ports.ts';
import { projectRoot, runCli, runNode } from '../helpers/run-node.ts';

/**
 * How the CLI finds the local stack: through the state file `npm start` writes at the root of
 * the project, from whichever folder it is called; and what it says when that file outlived
 * its stack (a `kill -9`, a crash), instead of a bare ECONNREFUSED.
 */
let folder: string;
let closedPort: number;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'switchboard-state-file-'));
  closedPort = await freePort();
});

afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

/** The id of a process that has ended. */
const endedPid = async (): Promise<number> => {
  const child = spawn(process.execPath, ['-e', '']);
  await once(child, 'exit');
  return child.pid ?? 0;
};

/** A state file as npm start writes it, of a stack whose every port is closed. */
const staleStateFile = async (name: string, pid: number): Promise<string> => {
  const closed = `http://127.0.0.1:${closedPort}`;
  const path = join(folder, name);
  const state = {
    pid,
    httpUrl: closed,
    wsUrl: `ws://127.0.0.1:${closedPort}`,
    publicBaseUrl: closed,
    dynamodbEndpoint: closed,
    sqsEndpoint: closed,
    region: 'us-east-1',
    tables: { Endpoints: 'switchboard-Endpoints', Messages: 'switchboard-Messages' },
    queues: { ingest: `${closed}/000000000000/switchboard-ingest`, deadLetter: `${closed}/000000000000/switchboard-ingest-dlq` },
    bodyBucket: 'switchboard-bodies',
    jwtSecret: 'a-secret-of-a-stopped-stack',
  };
  await writeFile(path, JSON.stringify(state));
  return path;
};

const notRunning = 'switchboard: the local stack is not running (its state file is from a stopped npm start): start it with `npm start`\n';

describe.concurrent('the state file of the local stack', () => {
  it('is looked for at the root of the project, from any folder of it', async () => {
    const stateFile = join(projectRoot, 'lib/local/state-file.ts');
    const print = `import(${JSON.stringify(stateFile)}).then(({ stateFilePath }) => console.log(stateFilePath({})))`;

    const found = await Promise.all(['events/lambda', 'test', '.'].map((cwd) => runNode(['--input-type=module', '-e', print], { cwd: join(projectRoot, cwd) })));

    expect(found.map(({ stdout }) => stdout.trim())).toEqual(Array(3).fill(join(projectRoot, '.switchboard', 'local.json')));
  });

  it.each(['endpoint list', 'dlq list', 'token --tenant acme'])('left by a stack that was killed (its process is gone) makes `%s` say so, with exit code 1', async (command) => {
    const path = await staleStateFile(`ended-${command.replaceAll(' ', '-')}.json`, await endedPid());

    const { code, stdout, stderr } = await runCli(command.split(' '), { env: { SWITCHBOARD_STATE_FILE: path } });

    expect({ code, stdout, stderr }).toEqual({ code: 1, stdout: '', stderr: notRunning });
  });

  it.each(['endpoint list', 'quarantine list'])('whose process id was taken again, but whose ports are closed, makes `%s` say so too', async (command) => {
    // This test's own process: alive, and no Switchboard.
    const path = await staleStateFile(`reused-${command.replaceAll(' ', '-')}.json`, process.pid);

    const { code, stdout, stderr } = await runCli(command.split(' '), { env: { SWITCHBOARD_STATE_FILE: path } });

    expect({ code, stdout, stderr }).toEqual({ code: 1, stdout: '', stderr: notRunning });
  });
});
