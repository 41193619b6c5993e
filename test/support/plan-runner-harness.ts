import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { PlanRequest } from '../../src/ports/plan-runner.port.js';
import type { ResolvedTool } from '../../src/ports/tool-resolver.port.js';
import { repoRoot } from './terraform-fixtures.js';

export const STANDIN_TERRAFORM = path.join(repoRoot, 'test/support/bin/terraform');
export const STANDIN_TERRAGRUNT = path.join(repoRoot, 'test/support/bin/terragrunt');

export interface Workspace {
  readonly base: string;
  readonly repoRoot: string;
  readonly cacheDir: string;
  readonly logFile: string;
  /** A stack dir with an optional `.stand-in.json` scenario. */
  stack(name: string, scenario?: Record<string, unknown>): string;
  scratch(name: string): string;
  cleanup(): void;
}

export function makeWorkspace(): Workspace {
  const base = mkdtempSync(path.join(tmpdir(), 'driftd-tf-'));
  const repo = path.join(base, 'repo');
  mkdirSync(repo);
  return {
    base,
    repoRoot: repo,
    cacheDir: path.join(base, 'cache'),
    logFile: path.join(base, 'invocations.log'),
    stack(name, scenario) {
      const dir = path.join(repo, name);
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, 'main.tf'), 'resource "terraform_data" "example" {}\n');
      if (scenario) writeFileSync(path.join(dir, '.stand-in.json'), JSON.stringify(scenario));
      return dir;
    },
    scratch(name) {
      const dir = path.join(base, 'scratch', name);
      mkdirSync(dir, { recursive: true });
      return dir;
    },
    cleanup: () => rmSync(base, { recursive: true, force: true }),
  };
}

export function standinTool(binary = STANDIN_TERRAFORM): ResolvedTool {
  return { main: { name: 'terraform', version: '1.11.4', path: binary, source: 'test' } };
}

export function planRequest(
  ws: Workspace,
  stackDir: string,
  overrides: Partial<PlanRequest> = {},
): PlanRequest {
  return {
    repoRoot: ws.repoRoot,
    stackDir,
    tool: standinTool(),
    lockState: false,
    timeoutMs: 60_000,
    scratchDir: ws.scratch(path.basename(stackDir)),
    env: { DRIFTD_STANDIN_LOG: ws.logFile },
    ...overrides,
  };
}

export interface Invocation {
  readonly argv?: string[];
  readonly terragrunt?: string[];
  readonly sneak?: string;
  readonly status?: number;
  readonly stderr?: string;
  readonly cwd?: string;
  readonly pid?: number;
  readonly env?: Record<string, string>;
}

export function readLog(logFile: string): Invocation[] {
  if (!existsSync(logFile)) return [];
  return readFileSync(logFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Invocation);
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function waitUntil(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return check();
}
