import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { access, mkdir, mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/** The class that starts DynamoDB Local on one address (it has no option for that, see the source). */
export const launcherClass = 'DynamoDbLocalOnHost';
const source = fileURLToPath(new URL(`java/${launcherClass}.java`, import.meta.url));
const cacheRoot = fileURLToPath(new URL('../../node_modules/.cache/switchboard/', import.meta.url));

/**
 * The folder holding the launcher's class, compiled against this DynamoDB Local release on
 * first use and kept in node_modules/.cache, so that a start does not pay for javac each time
 * (seconds on a busy machine). Compiling takes a JDK, not only a JRE.
 */
export const compiledLauncher = async (release: string): Promise<string> => {
  const key = createHash('sha256')
    .update(await readFile(source))
    .update(basename(release))
    .digest('hex')
    .slice(0, 16);
  const folder = join(cacheRoot, `dynamodb-local-launcher-${key}`);
  if (await access(join(folder, `${launcherClass}.class`)).then(() => true, () => false)) return folder;
  await mkdir(cacheRoot, { recursive: true });
  // Built aside and renamed into place, so that stacks starting together never run a half-written class.
  const building = await mkdtemp(join(cacheRoot, 'building-'));
  try {
    await promisify(execFile)('javac', ['-cp', join(release, 'DynamoDBLocal.jar'), '-d', building, source]).catch((error: Error & { stderr?: string }) => {
      throw new Error(
        `could not compile ${source}, which binds DynamoDB Local to one address: that takes a Java 17+ JDK (javac), not only a JRE; ` +
          `or run a DynamoDB yourself and set DYNAMODB_ENDPOINT. ${error.stderr || error.message}`,
      );
    });
    // Another stack may have put its copy in place meanwhile: it is the same class.
    await rename(building, folder).catch(() => undefined);
  } finally {
    await rm(building, { recursive: true, force: true });
  }
  return folder;
};
