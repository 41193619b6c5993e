import type { ToolUsed } from '../domain/stack-run.js';

export type ToolName = ToolUsed['name'];
/** The IaC binary terraform or tofu: the one terragrunt drives, or the stack's own. */
export type IacToolName = 'terraform' | 'tofu';

export interface ToolRequest {
  /** Absolute path of the repo root in the job's checkout. */
  readonly repoRoot: string;
  /** Absolute path of the stack dir inside `repoRoot`. */
  readonly stackDir: string;
  /** `terragrunt` when the stack has a `terragrunt.hcl`, else the repo's IaC tool. */
  readonly tool: ToolName;
  /** The repo's configured IaC tool (what terragrunt drives too). */
  readonly iacTool: IacToolName;
}

export interface ResolvedBinary {
  readonly name: ToolName;
  readonly version: string;
  /** Absolute path of the executable. */
  readonly path: string;
  /** Where the version came from: a file path like `.terraform-version`, `required_version`, `PATH`, `default`, `latest`. */
  readonly source: string;
}

export interface ResolvedTool {
  /** The executable to run (terragrunt, terraform or tofu). */
  readonly main: ResolvedBinary;
  /** For terragrunt: the terraform/tofu binary it must drive. */
  readonly iac?: ResolvedBinary;
}

export type ToolResolveError =
  /** A version file or constraint is invalid or unsatisfiable: the stack's fault, not retried. */
  | { readonly kind: 'config_error'; readonly message: string }
  /** Index, download or checksum failure: worth another try (checksum mismatch included: a mirror may heal). */
  | { readonly kind: 'download_error'; readonly message: string };

/**
 * Picks and provides the binary a stack must be planned with (version pins, PATH, defaults),
 * installing it into the shared cache when missing. One install per version even under concurrent
 * requests from several processes sharing the cache; never returns a half-installed binary.
 */
export interface ToolResolver {
  resolve(
    request: ToolRequest,
    signal?: AbortSignal,
  ): Promise<
    | { readonly ok: true; readonly tool: ResolvedTool }
    | { readonly ok: false; readonly error: ToolResolveError }
  >;
}
