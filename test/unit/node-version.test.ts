import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nodeVersionProblem } from '../../bin/node-version.mjs';
import { projectRoot, runNode } from '../helpers/run-node.ts';

/**
 * Switchboard runs its TypeScript as is, which takes Node 24: an older Node must hear that,
 * not ERR_UNKNOWN_FILE_EXTENSION. Each entry a user runs (npm start, npm run invoke, npx
 * switchboard) is a plain-JavaScript file that checks the version before any TypeScript loads.
 */

/** Makes the process report another Node version, before the entry runs: how the entries look on an old Node. */
const pretendNode = (version: string) => `--import=data:text/javascript,Object.defineProperty(process.versions, 'node', { value: '${version}' })`;

describe('the Node version check', () => {
  it.each(['20.11.1', '22.18.0', '23.11.0', '18.0.0'])('refuses Node %s, naming what is needed', (version) => {
    expect(nodeVersionProblem(version)).toMatch(new RegExp(`^Switchboard needs Node 24 or later \\(this is Node ${version.replaceAll('.', '\\.')}\\); `));
  });

  it.each(['24.0.0', '24.22.3', '25.1.0', '30.0.0'])('accepts Node %s', (version) => {
    expect(nodeVersionProblem(version)).toBeUndefined();
  });

  it('stands before every entry that package.json gives users', async () => {
    const { bin, scripts } = JSON.parse(await readFile(join(projectRoot, 'package.json'), 'utf8')) as { bin: Record<string, string>; scripts: Record<string, string> };

    expect(bin).toEqual({ switchboard: 'bin/switchboard.mjs' });
    expect([scripts.start, scripts.invoke, scripts.switchboard]).toEqual(['node bin/start.mjs', 'node bin/invoke.mjs', 'node bin/switchboard.mjs']);
  });

  it.each(['bin/switchboard.mjs', 'bin/start.mjs', 'bin/invoke.mjs'])('makes %s say so in one line on Node 20, and load no TypeScript', async (entry) => {
    const { code, stdout, stderr } = await runNode([pretendNode('20.11.1'), entry, '--help']);

    expect({ code, stdout }).toEqual({ code: 1, stdout: '' });
    expect(stderr).toBe(`${nodeVersionProblem('20.11.1')}\n`);
  });

  it('lets each entry run its TypeScript on this Node', async () => {
    const [cli, invoke, start] = await Promise.all([
      runNode(['bin/switchboard.mjs', '--version']),
      runNode(['bin/invoke.mjs']),
      // A port that is no port stops npm start before it starts anything.
      runNode(['bin/start.mjs'], { env: { PORT: 'not-a-port' } }),
    ]);

    expect(cli).toMatchObject({ code: 0, stdout: expect.stringMatching(/^\d+\.\d+\.\d+\n$/) });
    expect(invoke).toMatchObject({ code: 2, stderr: expect.stringContaining('usage: npm run invoke') });
    expect(start).toMatchObject({ code: 2, stderr: expect.stringContaining('PORT') });
  });
});
