import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DriftdError } from '../../src/domain/errors.js';
import type { StackPath, TaskId } from '../../src/domain/ids.js';
import type { Checkout, RepoSource, RepoSpec } from '../../src/ports/repo-source.port.js';

export interface FakeRepo {
  commit: string;
  /** Stacks present in the checkout (and returned by discovery). */
  stacks: string[];
  /** Stacks that get a `terragrunt.hcl`. */
  terragrunt?: string[];
}

/**
 * An in-memory RepoSource whose checkouts are real temp dirs holding one empty dir per stack, so the
 * use cases' path checks run for real. Failures can be scripted per repo (resolve) or per stack (checkout).
 */
export class FakeRepoSource implements RepoSource {
  readonly repos = new Map<string, FakeRepo>();
  resolveCalls = 0;
  discoverCalls = 0;
  checkouts = 0;
  /** Checkouts not disposed yet. */
  open = 0;
  private readonly resolveErrors = new Map<string, Error>();
  private readonly checkoutFailures = new Map<string, number>();

  constructor(private readonly baseDir: string) {}

  setRepo(name: string, repo: FakeRepo): this {
    this.repos.set(name, repo);
    return this;
  }

  /** `resolveCommit` of `name` throws `error` until cleared with null. */
  failResolve(name: string, error: Error | null): this {
    if (error === null) this.resolveErrors.delete(name);
    else this.resolveErrors.set(name, error);
    return this;
  }

  /** The next `times` checkouts of a job of `stack` fail with DRIFTD_REPO_FETCH_FAILED. */
  failCheckouts(stack: string, times: number): this {
    this.checkoutFailures.set(stack, times);
    return this;
  }

  async resolveCommit(repo: RepoSpec): Promise<string> {
    this.resolveCalls++;
    const error = this.resolveErrors.get(repo.name);
    if (error) throw error;
    return this.get(repo.name).commit;
  }

  async discoverStacks(repo: RepoSpec, commit: string): Promise<StackPath[]> {
    this.discoverCalls++;
    const r = this.get(repo.name);
    if (r.commit !== commit) throw new DriftdError('DRIFTD_REPO_NOT_FOUND', `commit ${commit} not found`);
    return [...r.stacks].sort() as StackPath[];
  }

  async checkout(repo: RepoSpec, commit: string, _taskId: TaskId, jobKey: string): Promise<Checkout> {
    this.checkouts++;
    const stack = jobKey.split(':')[1] ?? '';
    const failures = this.checkoutFailures.get(stack) ?? 0;
    if (failures > 0) {
      this.checkoutFailures.set(stack, failures - 1);
      throw new DriftdError(
        'DRIFTD_REPO_FETCH_FAILED',
        `fetching repo ${repo.name} failed: connection reset`,
      );
    }
    const r = this.get(repo.name);
    const root = await mkdtemp(join(this.baseDir, 'checkout-'));
    for (const s of r.stacks) await mkdir(join(root, s), { recursive: true });
    for (const s of r.terragrunt ?? []) await writeFile(join(root, s, 'terragrunt.hcl'), '');
    this.open++;
    let disposed = false;
    return {
      root,
      commit,
      dispose: async () => {
        if (disposed) return;
        disposed = true;
        this.open--;
        await rm(root, { recursive: true, force: true });
      },
    };
  }

  private get(name: string): FakeRepo {
    const r = this.repos.get(name);
    if (!r) throw new DriftdError('DRIFTD_REPO_NOT_FOUND', `repo ${name} not found`);
    return r;
  }
}
