import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import type { Env } from '../../../src/app/config/index.js';
import { loadConfigFile } from '../../../src/app/config/index.js';
import { isDriftdError } from '../../../src/domain/errors.js';

/** Writes YAML to a temp `config.yaml` and loads it, so messages carry the real file name and lines. */
export function useConfigDir() {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'driftd-config-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const write = async (yaml: string, name = 'config.yaml') => {
    const file = path.join(dir, name);
    await writeFile(file, yaml);
    return file;
  };
  return {
    write,
    load: async (yaml: string, env: Env = {}) => loadConfigFile(await write(yaml), env),
    /** The problem lines of a rejected config, with the temp dir replaced by nothing (`config.yaml:3: ...`). */
    problems: async (yaml: string, env: Env = {}): Promise<string[]> => {
      const file = await write(yaml);
      try {
        await loadConfigFile(file, env);
      } catch (e) {
        if (!isDriftdError(e, 'DRIFTD_CONFIG_INVALID')) throw e;
        return ((e.details?.problems ?? []) as string[]).map((line) => line.replace(`${dir}${path.sep}`, ''));
      }
      throw new Error('expected the config to be rejected');
    },
    /** The whole error message of a rejected config. */
    message: async (yaml: string, env: Env = {}): Promise<string> => {
      try {
        await loadConfigFile(await write(yaml), env);
      } catch (e) {
        if (isDriftdError(e, 'DRIFTD_CONFIG_INVALID')) return e.message;
        throw e;
      }
      throw new Error('expected the config to be rejected');
    },
  };
}

/** Lines joined with newlines: keeps YAML indentation visible in test sources. */
export const yaml = (...lines: string[]) => `${lines.join('\n')}\n`;
