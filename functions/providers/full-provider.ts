import type { Provider } from './types.ts';

/**
 * The whole provider registered as `name`: the export of that name in ./<name>/index.ts. The
 * registry checks the name first; it comes from a URL or a queued message.
 *
 * A module of its own because of how esbuild bundles it: a dynamic import with a variable
 * becomes every file matching ./<*>/index.ts, run on first use but parsed with the rest of the
 * bundle, and esbuild leaves it out only with the whole module that holds it (package.json:
 * sideEffects false). So the ack, which only finds edges, carries none of the parsers, and
 * the processor carries every provider's (test/unit/providers/bundles.test.ts).
 */
export const importFullProvider = async (name: string): Promise<Provider | undefined> => {
  const module = (await import(`./${name}/index.ts`)) as Readonly<Record<string, Provider | undefined>>;
  return module[name];
};
