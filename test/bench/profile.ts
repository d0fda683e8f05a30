import { build } from 'esbuild';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { handlerEnvironment } from './bundles.ts';
import { round } from './stats.ts';

/**
 * Quick CPU profiles (`node --cpu-prof`) for the rows that miss: the ack hot-path loop, and
 * the fresh-process import of the ack bundle. Reports the frames with the most self time.
 */

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));

interface CpuProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number; readonly columnNumber: number };
}

interface CpuProfile {
  readonly nodes: readonly CpuProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface ProfileFrame {
  readonly frame: string;
  readonly selfMs: number;
  readonly selfPercent: number;
}

export interface ProfileSummary {
  readonly what: string;
  readonly totalMs: number;
  readonly topFrames: ProfileFrame[];
  /** Self time grouped by where the code comes from (a package, Switchboard's code, Node's internals). */
  readonly byOrigin: ProfileFrame[];
}

const where = (url: string): string => {
  if (!url) return '';
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  return path.startsWith(root) ? relative(root, path) : path;
};

const originOf = (location: string): string => {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(location);
  if (match?.[1]) return match[1];
  if (location.startsWith('node:')) return '(node internals)';
  if (location.startsWith('functions/') || location.startsWith('lib/')) return '(switchboard)';
  if (location.startsWith('test/')) return '(bench harness)';
  return location || '(native / VM)';
};

/**
 * Self time per frame. `locate` may rename a frame's location, e.g. a bundle line to the
 * module esbuild took it from.
 */
export const summarizeProfile = (
  profile: CpuProfile,
  what: string,
  top = 15,
  locate: (url: string, line: number) => string = (url, line) => (url ? `${where(url)}:${line + 1}` : ''),
): ProfileSummary => {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfByFrame = new Map<string, number>();
  const selfByOrigin = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, index) => {
    const node = nodes.get(id);
    const delta = (profile.timeDeltas[index] ?? 0) / 1000;
    total += delta;
    if (!node) return;
    const { functionName, url, lineNumber } = node.callFrame;
    const location = locate(url, lineNumber);
    const frame = `${functionName || '(anonymous)'} ${location}`.trim();
    selfByFrame.set(frame, (selfByFrame.get(frame) ?? 0) + delta);
    const origin = ['(garbage collector)', '(program)', '(idle)'].includes(functionName) ? functionName : originOf(location.replace(/:\d+$/, ''));
    selfByOrigin.set(origin, (selfByOrigin.get(origin) ?? 0) + delta);
  });
  const ranked = (map: Map<string, number>, count: number) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, count)
      .map(([frame, ms]) => ({ frame, selfMs: round(ms), selfPercent: round((100 * ms) / total, 2) }));
  return { what, totalMs: round(total), topFrames: ranked(selfByFrame, top), byOrigin: ranked(selfByOrigin, 10) };
};

const profileOf = async (args: readonly string[], env: NodeJS.ProcessEnv, cwd: string): Promise<CpuProfile> => {
  const dir = await mkdtemp(join(tmpdir(), 'switchboard-bench-prof-'));
  try {
    await run(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${dir}`, '--cpu-prof-interval=100', ...args], { cwd, env, timeout: 120_000 });
    const file = (await readdir(dir)).find((name) => name.endsWith('.cpuprofile'));
    if (!file) throw new Error('node --cpu-prof wrote no profile');
    return JSON.parse(await readFile(join(dir, file), 'utf8')) as CpuProfile;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
};

/** The hot-path loop (acknowledge() with a no-op enqueue, by default) under the profiler. */
export const profileAckHotPath = async (provider = 'twilio', variant: 'noop' | 'sqs' = 'noop', iterations = 150_000): Promise<ProfileSummary> => {
  const profile = await profileOf([join(root, 'test/bench/hot-path-loop.ts'), provider, variant, String(iterations)], process.env, root);
  return summarizeProfile(profile, `acknowledge() ×${iterations}, ${provider}, ${variant === 'noop' ? 'no-op' : 'stubbed-SQS'} enqueue`);
};

/**
 * A fresh process importing the ack handler bundled as deployed but not minified, so frames
 * keep their names, each attributed to the module esbuild took its line from.
 */
export const profileAckImport = async (handler = 'ack'): Promise<ProfileSummary> => {
  const dir = await mkdtemp(join(tmpdir(), 'switchboard-bench-import-'));
  try {
    const file = join(dir, `${handler}.mjs`);
    await build({
      entryPoints: [join(root, 'functions', handler, 'handler.ts')],
      outfile: file,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node24',
      minify: false,
      mainFields: ['module', 'main'],
      banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
      logLevel: 'warning',
      absWorkingDir: root,
    });
    // esbuild marks where each input starts: `// node_modules/pkg/file.js`.
    const starts: { line: number; source: string }[] = [];
    (await readFile(file, 'utf8')).split('\n').forEach((text, line) => {
      const marker = /^\/\/ ((?:node_modules|functions|lib)\/\S+)$/.exec(text);
      if (marker?.[1]) starts.push({ line, source: marker[1] });
    });
    const sourceAt = (line: number): string => {
      let low = 0;
      let high = starts.length - 1;
      let found = '';
      while (low <= high) {
        const middle = (low + high) >> 1;
        const start = starts[middle] as (typeof starts)[number];
        if (start.line <= line) {
          found = start.source;
          low = middle + 1;
        } else high = middle - 1;
      }
      return found;
    };
    const bundleUrl = `file://${file}`;
    const profile = await profileOf(['--input-type=module', '-e', `await import(${JSON.stringify(file)});`], { PATH: process.env.PATH ?? '', ...handlerEnvironment }, dir);
    return summarizeProfile(profile, `fresh-process import of the ${handler} bundle (unminified)`, 15, (url, line) => (url === bundleUrl ? sourceAt(line) || `${handler}.mjs (bundle runtime)` : url ? `${where(url)}:${line + 1}` : ''));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
};
