import type { AddressInfo } from 'node:net';
import type { AwilixContainer } from 'awilix';
import type { DriftdConfig } from '../config/types.js';
import type { Cradle } from '../container/cradle.js';
import type { CommandIO } from './command.js';
import { missingToolWarning, toolsInUse } from './tool-check.js';

const SHOWN_REPOS = 5;

/** `1 repo (demo-infra)`, `7 repos (a, b, c, d, e, …)`. */
export function reposPhrase(names: readonly string[]): string {
  const count = `${names.length} repo${names.length === 1 ? '' : 's'}`;
  if (names.length === 0) return count;
  const shown = names.slice(0, SHOWN_REPOS).join(', ');
  return `${count} (${shown}${names.length > SHOWN_REPOS ? ', …' : ''})`;
}

/** `http://127.0.0.1:8080`, `http://[::1]:8080` for what the server actually bound (port 0 resolved). */
export function addressUrl(address: AddressInfo | string | null): string {
  if (address === null) return 'unknown address';
  if (typeof address === 'string') return address;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

/** The one startup line of `driftd serve`: mode, address, repos. */
export function serveStartupLine(config: DriftdConfig, url: string): string {
  const mode = config.redis
    ? `serve mode (redis ${config.redis.addr}, workers run as driftd worker)`
    : `embedded mode (${config.worker.concurrency} in-process job slots)`;
  return `driftd serve: ${mode}, listening on ${url}, ${reposPhrase(config.repos.map((r) => r.name))}`;
}

/** Prints a warning line per tool scans will not find; never throws, never blocks startup. */
export async function warnAboutTools(config: DriftdConfig, io: CommandIO, command: string): Promise<void> {
  for (const tool of toolsInUse(config)) {
    const warning = await missingToolWarning(config, tool, io.env.PATH).catch(() => null);
    if (warning !== null) io.stderr(`driftd ${command}: warning: ${warning}`);
  }
}

/**
 * Embedded quickstart friendliness: repos with no stored result get a first scan at startup, so a new
 * user sees verdicts without clicking "Scan now". Only in embedded mode (a serve with workers leaves
 * scanning to schedules and triggers). Never supersedes anything; failures are logged only.
 */
export async function scanNeverScanned(container: AwilixContainer<Cradle>): Promise<string[]> {
  const { resultStore, repos, startTask, logger } = container.cradle;
  const scanned = new Set<string>(await resultStore.listRepos());
  const started: string[] = [];
  for (const repo of repos) {
    if (scanned.has(repo.name)) continue;
    const result = await startTask({
      repo: repo.name,
      trigger: { kind: 'schedule', actor: 'startup' },
      allowSupersede: false,
    }).catch((error: unknown) => {
      logger.warn({ repo: repo.name, err: { message: String(error) } }, 'first scan could not start');
      return null;
    });
    if (result?.kind === 'started') {
      started.push(repo.name);
      logger.info({ repo: repo.name, taskId: result.task.id }, 'first scan of a never-scanned repo started');
    }
  }
  return started;
}
