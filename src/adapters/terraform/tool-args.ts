import type { ResolvedTool } from '../../ports/tool-resolver.port.js';

export type Stage = 'init' | 'plan' | 'show';

/** What to run for one stage: terraform/tofu directly, or terragrunt in front of the guard. */
export interface Invocation {
  readonly file: string;
  readonly args: readonly string[];
}

export interface TerragruntSettings {
  readonly downloadDir: string;
  /** The read-only guard terragrunt must call instead of terraform/tofu. */
  readonly guardPath: string;
}

/** Terragrunt v0.73 renamed its flags and env vars; the `--terragrunt-*` flags were removed in v0.85. */
function usesNewTerragruntFlags(version: string): boolean {
  const match = /^v?(\d+)\.(\d+)/.exec(version);
  if (!match) return true;
  return Number(match[1]) > 0 || Number(match[2]) >= 73;
}

function stageArgs(stage: Stage, planFile: string, lockState: boolean): string[] {
  if (stage === 'init') return ['init', '-input=false', '-no-color'];
  if (stage === 'show') return ['show', '-json', planFile];
  return [
    'plan',
    '-detailed-exitcode',
    '-input=false',
    '-no-color',
    `-lock=${lockState}`,
    `-out=${planFile}`,
  ];
}

/**
 * Terragrunt's own flags for a single-unit run: non-interactive, module downloads under the cache,
 * terraform through the guard, and tool output passed through unprefixed so `show -json` stays JSON.
 */
function terragruntFlags(version: string, tg: TerragruntSettings): string[] {
  if (usesNewTerragruntFlags(version)) {
    return [
      '--non-interactive',
      '--download-dir',
      tg.downloadDir,
      '--tf-path',
      tg.guardPath,
      '--log-format',
      'bare',
      '--tf-forward-stdout',
    ];
  }
  return [
    '--terragrunt-non-interactive',
    '--terragrunt-download-dir',
    tg.downloadDir,
    '--terragrunt-tfpath',
    tg.guardPath,
  ];
}

/** The env vars of both naming generations (old names are still read by terragrunt v1.x). */
export function terragruntEnv(tg: TerragruntSettings): Record<string, string> {
  return {
    TG_NON_INTERACTIVE: 'true',
    TERRAGRUNT_NON_INTERACTIVE: 'true',
    TG_DOWNLOAD_DIR: tg.downloadDir,
    TERRAGRUNT_DOWNLOAD: tg.downloadDir,
    TG_TF_PATH: tg.guardPath,
    TERRAGRUNT_TFPATH: tg.guardPath,
  };
}

export function invocationFor(
  tool: ResolvedTool,
  stage: Stage,
  planFile: string,
  lockState: boolean,
  terragrunt?: TerragruntSettings,
): Invocation {
  const args = stageArgs(stage, planFile, lockState);
  if (tool.main.name !== 'terragrunt' || terragrunt === undefined) return { file: tool.main.path, args };
  const [command, ...rest] = args;
  return {
    file: tool.main.path,
    args: [command!, ...terragruntFlags(tool.main.version, terragrunt), ...rest],
  };
}
