#!/usr/bin/env node
/** `npm run invoke`: one function on one event (invoke.ts), once entry.mjs has checked the Node version. */
import { prepareEntry } from './entry.mjs';

prepareEntry();
await import('./invoke.ts');
