import type { Clock } from '../../ports/clock.port.js';

/** Wall-clock time that never decreases, even when the system clock is stepped back (NTP). */
export class SystemClock implements Clock {
  private last = 0;

  now(): number {
    const t = Date.now();
    if (t > this.last) this.last = t;
    return this.last;
  }
}
