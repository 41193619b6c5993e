/**
 * Child process for the cross-process tests: `node --import tsx install-worker.ts <cacheDir>
 * <mirrorsJson> <tool> <version> <count>`. Prints `ready`, waits for a line on stdin, then runs
 * <count> concurrent installs and prints their outcomes as one JSON line.
 */
import { createInterface } from 'node:readline';
import { BinaryCache } from '../../../src/adapters/versions/binary-cache.js';
import { DEFAULT_HTTP } from '../../../src/adapters/versions/http-fetch.js';
import { NativeInstaller } from '../../../src/adapters/versions/native-installer.js';
import { currentPlatform, ReleaseIndex } from '../../../src/adapters/versions/release-index.js';
import type { ToolName } from '../../../src/ports/tool-resolver.port.js';

const [cacheDir, mirrorsJson, tool, version, count] = process.argv.slice(2);
const mirrors = JSON.parse(mirrorsJson!) as Record<ToolName, string>;
const index = new ReleaseIndex({ mirrors, http: DEFAULT_HTTP, platform: currentPlatform() });
const installer = new NativeInstaller({
  cache: new BinaryCache(cacheDir!, { pollMs: 20 }),
  layout: (t) => index.layout(t),
  http: DEFAULT_HTTP,
});

process.stdout.write('ready\n');
const rl = createInterface({ input: process.stdin });
rl.once('line', async () => {
  const runs = Array.from({ length: Number(count) }, () => installer.install(tool as ToolName, version!));
  process.stdout.write(`${JSON.stringify(await Promise.all(runs))}\n`);
  rl.close();
});
