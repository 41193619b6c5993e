import type { TaskId } from '../../domain/ids.js';
import { taskOfJobId } from './keys.js';

/** Jobs a claim may take, oldest first, all of one task (their task hash is the script's KEYS). */
export interface Candidates {
  readonly taskId: TaskId;
  readonly ids: readonly string[];
}

const MAX_FALLBACKS = 4;
const HINT_TTL_MS = 1_000;

/**
 * Which pending jobs to try to claim, without a read before every claim.
 *
 * Every script gets its keys in KEYS, so a claim must name its job's task before it runs. The picker
 * keeps a local copy of the queue head (`ZRANGE pending 0 n`, refreshed when used up, stale or proven
 * wrong) and hands each local caller a different first candidate plus a few fallbacks of the same task;
 * the script takes the first one still pending. Correctness never depends on the copy: the script checks
 * every candidate. FIFO holds because a requeued job gets a new, larger sequence: whatever is in the copy
 * is older than whatever is not.
 */
export class CandidatePicker {
  private hint: string[] = [];
  private loadedAt = 0;
  private readonly reserved = new Set<string>();
  private loading: Promise<void> | null = null;

  constructor(private readonly readHead: (count: number) => Promise<string[]>) {}

  /** Candidates for one claim, or null when the queue is empty. `fresh` forces a re-read of the head. */
  async pick(fresh = false): Promise<Candidates | null> {
    if (fresh || this.hint.length === 0 || Date.now() - this.loadedAt > HINT_TTL_MS) await this.reload();
    let first = this.hint.shift();
    while (first !== undefined && this.reserved.has(first)) first = this.hint.shift();
    if (first === undefined) return null;
    const taskId = taskOfJobId(first)!;
    const ids = [first];
    for (const id of this.hint) {
      if (ids.length > MAX_FALLBACKS) break;
      if (!this.reserved.has(id) && taskOfJobId(id) === taskId) ids.push(id);
    }
    this.reserved.add(first);
    return { taskId, ids };
  }

  /** After the script ran: frees the reservation and forgets what it claimed (and what proved stale). */
  settle(candidates: Candidates | null, claimed: string | null): void {
    if (!candidates) return;
    this.reserved.delete(candidates.ids[0]!);
    if (claimed === null) {
      this.hint = [];
      return;
    }
    const used = candidates.ids.indexOf(claimed);
    if (used > 0) {
      const gone = new Set(candidates.ids.slice(0, used + 1));
      this.hint = this.hint.filter((id) => !gone.has(id));
    }
  }

  private reload(): Promise<void> {
    this.loading ??= this.readHead(Math.min(256, 16 + 4 * this.reserved.size))
      .then((ids) => {
        this.hint = ids.filter((id) => !this.reserved.has(id) && taskOfJobId(id) !== null);
        this.loadedAt = Date.now();
      })
      .finally(() => {
        this.loading = null;
      });
    return this.loading;
  }
}
