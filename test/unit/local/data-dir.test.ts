import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { callerDirectory, prepareDataDir } from '../../../lib/local/data-dir.ts';

describe('callerDirectory', () => {
  it('is where npm start was typed, which npm runs in the project root', () => {
    expect(callerDirectory({ npm_lifecycle_event: 'start', INIT_CWD: '/home/me/switchboard/events' }, '/home/me/switchboard')).toBe('/home/me/switchboard/events');
  });

  it('is the working folder otherwise: node bin/start.ts, or a start spawned by another npm script', () => {
    expect(callerDirectory({}, '/home/me/elsewhere')).toBe('/home/me/elsewhere');
    expect(callerDirectory({ npm_lifecycle_event: 'test', INIT_CWD: '/home/me/switchboard' }, '/tmp/run')).toBe('/tmp/run');
  });
});

describe('prepareDataDir', () => {
  it('resolves a relative folder against the caller, and creates it with its parents', async () => {
    const from = await mkdtemp(join(tmpdir(), 'data-dir-'));
    try {
      const path = await prepareDataDir('nested/.data', from);

      expect(path).toBe(join(from, 'nested', '.data'));
      expect((await stat(path)).isDirectory()).toBe(true);
      expect(await prepareDataDir(path, '/elsewhere')).toBe(path);
    } finally {
      await rm(from, { recursive: true, force: true });
    }
  });
});
