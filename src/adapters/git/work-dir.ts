import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../ports/logger.port.js';
import type { Checkout } from '../../ports/repo-source.port.js';

/** A fresh `<cacheDir>/work/<safe jobKey>-<random>` directory. */
export async function makeWorkDir(cacheDir: string, jobKey: string): Promise<string> {
  const base = join(cacheDir, 'work');
  await mkdir(base, { recursive: true });
  const safe =
    jobKey
      .replace(/[^A-Za-z0-9._-]+/g, '_')
      .replace(/^[.-]+/, '')
      .slice(0, 80) || 'job';
  return mkdtemp(join(base, `${safe}-`));
}

/** A Checkout whose idempotent, never-throwing `dispose` removes `root`. */
export function makeCheckout(root: string, commit: string, logger: Logger): Checkout {
  let disposed: Promise<void> | undefined;
  return {
    root,
    commit,
    dispose(): Promise<void> {
      disposed ??= rm(root, { recursive: true, force: true, maxRetries: 3 }).catch((e: unknown) => {
        logger.warn({ root, err: (e as Error).message }, 'could not remove work dir');
      });
      return disposed;
    },
  };
}
