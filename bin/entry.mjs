/**
 * What each entry a user runs (switchboard.mjs, start.mjs, invoke.mjs) does before it imports
 * its TypeScript. Plain JavaScript, so that any Node can run it.
 */
import module from 'node:module';
import { requireSupportedNode } from './node-version.mjs';

/**
 * Refuses a Node that cannot run Switchboard, in one line; then keeps the modules Node
 * compiles (type-stripped TypeScript included) on disk, in the OS's temporary folder, so that
 * every later call starts about twice as fast: a CLI call spends most of its time loading
 * modules.
 */
export const prepareEntry = () => {
  requireSupportedNode();
  module.enableCompileCache();
};
