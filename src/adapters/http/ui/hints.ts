/**
 * Recognises results that failed because the tool itself is missing (not installed, not on PATH,
 * download refused), so the UI can point at the `tools:` config instead of showing a bare error.
 */
const TOOL = /\b(terraform|tofu|opentofu|terragrunt)\b/i;
const MISSING =
  /(cannot start|not found|ENOENT|no such file|not installed|executable file not found|could not install|install(ing)? is disabled|installs are disabled|but there is none)/i;

export function isToolMissing(message: string | null | undefined): boolean {
  return typeof message === 'string' && TOOL.test(message) && MISSING.test(message);
}

export const TOOL_MISSING_HINT =
  'driftd could not run the Terraform tool. Put terraform (or tofu/terragrunt) on the PATH of the ' +
  'worker, or set `tools:` in the config (`install: true`, `default_versions`, `mirrors`), then run ' +
  '`driftd validate` and scan again.';
