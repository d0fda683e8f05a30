import { expect, it } from 'vitest';
import { synthesize } from '../helpers/synth.ts';

/**
 * The whole template of a default stack, kept in review: a change to any resource, policy or
 * setting shows as a diff of test/infra/__snapshots__/Switchboard.template.json. Refresh it
 * on purpose with `npx vitest run test/infra/template-snapshot.test.ts -u`.
 */

/** Hashes of the bundled code change with every edit of a function, not with the infrastructure. */
const withoutCodeHashes = (template: string): string =>
  template.replace(/\b[0-9a-f]{64}\b/g, '<asset hash>').replace(/(CurrentVersion[0-9A-F]{8})[0-9a-f]{32}\b/g, '$1<code hash>');

it('matches the kept template', async () => {
  // Prepare
  const { template } = synthesize();

  // Act
  const text = withoutCodeHashes(JSON.stringify(template.toJSON(), null, 2));

  // Assess
  expect(text).not.toMatch(/\b[0-9a-f]{64}\b/);
  await expect(`${text}\n`).toMatchFileSnapshot('./__snapshots__/Switchboard.template.json');
});
