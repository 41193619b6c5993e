import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { LeaseToken } from '../domain/ids.js';
import { nextTimestamp } from '../domain/ids.js';
import type { Clock } from '../ports/clock.port.js';

/** Makes the ids the domain needs but may not invent itself (it has no clock and no randomness). */
export interface IdGenerator {
  /**
   * A task timestamp (epoch ms) strictly greater than every one this generator returned before, so two
   * tasks started in the same millisecond still get different task and job ids.
   */
  taskTimestamp(): number;
  /** A fresh, unguessable lease (fencing) token for one claim. */
  leaseToken(): LeaseToken;
  /** A worker id for logs and job records: host, pid and a random suffix. */
  workerId(): string;
}

export function makeIdGenerator({ clock }: { clock: Clock }): IdGenerator {
  let last = 0;
  return {
    taskTimestamp() {
      last = nextTimestamp(clock.now(), last);
      return last;
    },
    leaseToken: () => randomUUID() as LeaseToken,
    workerId: () => `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
  };
}
