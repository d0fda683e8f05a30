#!/usr/bin/env node
/** `npm start`: the local stack (start.ts), once entry.mjs has checked the Node version. */
import { prepareEntry } from './entry.mjs';

prepareEntry();
await import('./start.ts');
