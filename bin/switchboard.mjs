#!/usr/bin/env node
/** `npx switchboard`: the CLI (switchboard.ts), once entry.mjs has checked the Node version. */
import { prepareEntry } from './entry.mjs';

prepareEntry();
await import('./switchboard.ts');
