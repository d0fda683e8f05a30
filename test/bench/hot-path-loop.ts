import { loadProvider } from '../../functions/providers/registry.ts';
import { hotPathCases } from './ack-hot-path.ts';

/**
 * The ack hot-path loop alone, for `node --cpu-prof test/bench/hot-path-loop.ts <provider> <variant> <iterations>`:
 * what profile.ts runs when the hot path misses its target.
 */

const [providerName = 'twilio', variant = 'noop', iterations = '100000'] = process.argv.slice(2);
const provider = await loadProvider(providerName);
if (!provider) throw new Error(`no provider named ${providerName}`);
const cases = await hotPathCases(provider);
const body = variant === 'sqs' ? cases.ackStubbedSqs : variant === 'reference' ? cases.reference : cases.ackNoop;
try {
  for (let i = 0; i < Number(iterations); i++) {
    const result = body();
    if (result instanceof Promise) await result;
  }
} finally {
  cases.destroy();
}
