import { DriftdError } from '../../domain/errors.js';
import type { Clock } from '../../ports/clock.port.js';

/**
 * A clock that moves only when told: tests and simulations drive leases, lock TTLs and task ages
 * with it. Like every Clock it never goes backwards.
 */
export class ManualClock implements Clock {
  private current: number;

  constructor(start = 1_700_000_000_000) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  /** Moves the clock forward by `ms` (>= 0). */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new DriftdError('DRIFTD_INVALID_INPUT', `cannot advance a clock by ${ms} ms`);
    this.current += ms;
  }

  /** Sets the clock to `ms`, which must not be before the current time. */
  set(ms: number): void {
    if (!(ms >= this.current)) {
      throw new DriftdError(
        'DRIFTD_INVALID_INPUT',
        `cannot set the clock back from ${this.current} to ${ms}`,
      );
    }
    this.current = ms;
  }
}
