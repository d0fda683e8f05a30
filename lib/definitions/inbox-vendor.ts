import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * The libraries the inbox's pages load, by the path they load them from (beside the pages), and
 * the installed file each is: the local gateway serves them from node_modules and
 * `npm run build:inbox` copies them, so a page finds them at the same place on any host.
 */
const packageFile = (packageName: string, file: string): string => join(dirname(createRequire(import.meta.url).resolve(packageName)), file);

export const inboxVendorFiles: Readonly<Record<string, string>> = {
  // Chart.js's UMD build: a classic script defining window.Chart, no eval, no inline styles.
  'vendor/chart.umd.min.js': packageFile('chart.js', 'chart.umd.min.js'),
};
