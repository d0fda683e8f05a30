#!/usr/bin/env node
/**
 * `npm run build:inbox`: the inbox and operations pages, and the libraries they load, as static
 * files for any host, in dist/inbox/ (or `--out <dir>`). `--api <url>` and `--ws <url>` write
 * the config.json the pages read, so that they find the query API and the WebSocket without
 * `api=` / `ws=` in their URL.
 */
import { cp, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { inboxVendorFiles } from '../lib/definitions/inbox-vendor.ts';

const { values: flags } = parseArgs({
  options: { out: { type: 'string', default: 'dist/inbox' }, api: { type: 'string' }, ws: { type: 'string' } },
});

const source = fileURLToPath(new URL('../inbox/', import.meta.url));
const out = resolve(flags.out);
await rm(out, { recursive: true, force: true });
await cp(source, out, { recursive: true });
for (const [path, file] of Object.entries(inboxVendorFiles)) await cp(file, join(out, path));
if (flags.api !== undefined || flags.ws !== undefined) {
  await writeFile(join(out, 'config.json'), `${JSON.stringify({ api: flags.api, ws: flags.ws })}\n`);
}
console.log(`Inbox written to ${out}${flags.ws === undefined ? ' (no WebSocket configured: it will long-poll unless the page gets ws=)' : ''}`);
