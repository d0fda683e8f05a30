#!/usr/bin/env node
/** `npm run sam:env`: what `sam local invoke` needs (sam-env.ts), once the Node version is known to run it. */
import { requireSupportedNode } from './node-version.mjs';

requireSupportedNode();
await import('./sam-env.ts');
