import type { Clock } from '../../ports/clock.port.js';

/** Wall-clock time that never decreases, even when the system clock is stepped back (NTP). */
export class SystemClock implements Clock {
  private last = 0;

  /** `source` is the raw wall clock (replaceable to test a clock step). */
  constructor(private readonly source: () => number = Date.now) {}

  now(): number {
    const t = this.source();
    if (t > this.last) this.last = t;
    return this.last;
  }
}
