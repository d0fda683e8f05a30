import { readdirSync, readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * The core (functions/core) is plain logic: it knows no HTTP, no AWS and no concrete provider.
 * What it needs of them comes in through its dependencies; handlers, adapters and the shared
 * Lambda glue import the core, never the other way round.
 */

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const coreDirectory = resolve(root, 'functions/core');

const sourceFiles = (directory: string): string[] =>
  readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = resolve(directory, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });

/** Every module a file names: static and dynamic imports and re-exports, types included. */
const importsOf = (file: string): string[] => ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles.map((imported) => imported.fileName);

/** Why the core may not import `specifier` (from `file`), or undefined when it may. */
const forbidden = (file: string, specifier: string): string | undefined => {
  if (specifier === 'aws-lambda') return 'Lambda event types';
  if (specifier.startsWith('@aws-sdk/')) return 'an AWS SDK package';
  if (!specifier.startsWith('.')) return undefined;
  const target = relative(root, resolve(dirname(file), specifier));
  if (target === 'functions/providers/registry.ts') return 'the concrete provider registry';
  if (target.startsWith('functions/shared/')) return 'the shared Lambda glue';
  if (target.startsWith('functions/adapters/')) return 'an adapter';
  if (/^functions\/[^/]+\/handler\.ts$/.test(target)) return 'a handler';
  return undefined;
};

const violations = (files: readonly string[]): string[] =>
  files.flatMap((file) =>
    importsOf(file).flatMap((specifier) => {
      const why = forbidden(file, specifier);
      return why ? [`${relative(root, file)} imports ${specifier} (${why})`] : [];
    }),
  );

describe('the core', () => {
  it('imports no registry, shared glue, adapter, handler, Lambda type or AWS SDK package', () => {
    const files = sourceFiles(coreDirectory);

    expect(files.length).toBeGreaterThan(10);
    expect(violations(files)).toEqual([]);
  });

  it('would be caught importing any of them', () => {
    const file = resolve(coreDirectory, 'ack.ts');

    expect(
      ['../providers/registry.ts', '../shared/http.ts', '../adapters/ingest-queue.ts', '../query/handler.ts', 'aws-lambda', '@aws-sdk/client-sqs'].map((specifier) => forbidden(file, specifier)),
    ).toEqual(['the concrete provider registry', 'the shared Lambda glue', 'an adapter', 'a handler', 'Lambda event types', 'an AWS SDK package']);
    expect(forbidden(file, '../providers/types.ts')).toBeUndefined();
    expect(forbidden(file, './errors.ts')).toBeUndefined();
  });
});
