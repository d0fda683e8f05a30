import { build } from 'esbuild';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { providerNames } from '../../../functions/providers/registry.ts';
import { bundleOptions } from '../../bench/bundles.ts';

/**
 * What the registry's split is for, on the bundles the CDK deploys: the ack, whose import is
 * its cold start, carries only the providers' edges; the processor carries every provider
 * whole, since on Lambda it can load nothing that is not in its bundle.
 */
const root = new URL('../../../', import.meta.url).pathname;

/** The repository files esbuild puts in a function's bundle, as in test/bench/bundles.ts. */
const bundledFiles = async (name: string): Promise<string[]> => {
  const result = await build({ ...bundleOptions(join(root, 'functions', name, 'handler.ts'), join(root, 'cdk.out', `${name}.mjs`)), write: false, nodePaths: [join(root, 'node_modules')] });
  // Every file esbuild read is an input; only those that left code in the output are in the bundle.
  const output = Object.values(result.metafile.outputs).find((candidate) => candidate.entryPoint !== undefined);
  return Object.entries(output?.inputs ?? {}).flatMap(([file, { bytesInOutput }]) => (file.startsWith('functions/') && bytesInOutput > 0 ? [file] : []));
};

const wholeProviderFile = (name: string) => `functions/providers/${name}/index.ts`;

describe('function bundles', () => {
  it("leave every provider's whole out of the ack: its edge only", async () => {
    const files = await bundledFiles('ack');

    expect(files).toEqual(expect.arrayContaining(providerNames.map((name) => expect.stringMatching(new RegExp(`^functions/providers/${name}/edge\\.ts$`)))));
    expect(files.filter((file) => providerNames.some((name) => file === wholeProviderFile(name)) || file === 'functions/providers/full-provider.ts')).toEqual([]);
  }, 30_000);

  it('put every registered provider whole in the processor', async () => {
    const files = await bundledFiles('processor');

    expect(files).toEqual(expect.arrayContaining(providerNames.map(wholeProviderFile)));
  }, 30_000);
});
