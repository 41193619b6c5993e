/** Wall-clock time in epoch milliseconds. Adapters: system clock, `ManualClock` in tests. */
export interface Clock {
  /** Current time in epoch ms. Never decreases within one adapter instance. */
  now(): number;
}
