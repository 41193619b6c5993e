/**
 * The child environment of a plan. Starts from the parent's (cloud credentials and PATH are the
 * operator's business) minus what silently changes results or leaks secrets (terraform-contract.md §2):
 * `TF_CLI_ARGS*` (injected flags), `TF_WORKSPACE`, `TF_LOG*` (debug logs carry secrets), the
 * cache/data dir variables driftd sets itself, and `DRIFTD_*` (driftd's own configuration secrets).
 */
const SCRUB_FROM_PARENT = [
  /^TF_CLI_ARGS/,
  /^TF_WORKSPACE$/,
  /^TF_LOG/,
  /^TF_DATA_DIR$/,
  /^TF_PLUGIN_CACHE/,
  /^DRIFTD_/,
];
/** Never allowed, whoever sets them: debug logging would write secrets to stderr or files. */
const SCRUB_ALWAYS = [/^TF_LOG/];

export interface PlanEnvInput {
  readonly parent: NodeJS.ProcessEnv;
  /** Operator-configured extras (constructor option), then per-request extras: deliberate, kept. */
  readonly extra: readonly (Readonly<Record<string, string>> | undefined)[];
  readonly dataDir: string;
  readonly pluginCacheDir: string;
  /** Set for terragrunt runs. */
  readonly terragrunt?: Readonly<Record<string, string>>;
}

function scrub(env: Record<string, string>, patterns: readonly RegExp[]): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter(([key]) => !patterns.some((p) => p.test(key))));
}

export function buildPlanEnv(input: PlanEnvInput): Record<string, string> {
  const parent: Record<string, string> = {};
  for (const [key, value] of Object.entries(input.parent)) if (value !== undefined) parent[key] = value;
  const merged = Object.assign(scrub(parent, SCRUB_FROM_PARENT), ...input.extra.filter(Boolean));
  return {
    ...scrub(merged, SCRUB_ALWAYS),
    ...input.terragrunt,
    TF_IN_AUTOMATION: '1',
    TF_INPUT: '0',
    CHECKPOINT_DISABLE: '1',
    TF_DATA_DIR: input.dataDir,
    TF_PLUGIN_CACHE_DIR: input.pluginCacheDir,
  };
}
