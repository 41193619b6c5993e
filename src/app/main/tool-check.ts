import { BinaryCache, findOnPath } from '../../adapters/versions/index.js';
import type { IacToolName } from '../../ports/tool-resolver.port.js';
import type { DriftdConfig } from '../config/types.js';

const PROBE_TIMEOUT_MS = 3_000;

async function reachable(url: string): Promise<string | null> {
  try {
    const res = await fetch(url, { method: 'HEAD', signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
    return res.status < 500 ? null : `HTTP ${res.status}`;
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    return cause ?? (error instanceof Error ? error.name : 'unreachable');
  }
}

/**
 * One warning line when scans of `tool` cannot work as things stand: the tool is not on PATH, not in
 * the binary cache, and cannot be installed (installs disabled, or the release mirror is unreachable).
 * Null when scans can find or install it. A pinned version a stack asks for may still need a download:
 * that is reported per stack when it fails.
 */
export async function missingToolWarning(
  config: Pick<DriftdConfig, 'tools'>,
  tool: IacToolName,
  pathEnv: string | undefined = process.env.PATH,
): Promise<string | null> {
  if (await findOnPath(tool, pathEnv)) return null;
  const cached = await new BinaryCache(config.tools.cacheDir).listInstalled(tool);
  if (cached.length > 0) return null;
  const fix = `install ${tool} on PATH, or set tools.default_versions / tools.mirrors (see docs/configuration.md)`;
  if (!config.tools.install) {
    return `no ${tool} on PATH or in ${config.tools.cacheDir} and tools.install is false: scans will fail until you ${fix}`;
  }
  const mirror = config.tools.mirrors[tool];
  const problem = await reachable(mirror);
  if (problem === null) return null;
  return `no ${tool} on PATH or in ${config.tools.cacheDir}, and ${mirror} is unreachable (${problem}): scans will fail until you ${fix}`;
}

/** The tools the configured repos plan with (terraform unless a repo says tofu). */
export function toolsInUse(config: Pick<DriftdConfig, 'repos'>): IacToolName[] {
  const tools = new Set<IacToolName>(config.repos.map((r) => r.tool));
  return [...tools].sort();
}
