/**
 * A rate measured in sampled windows, as Kafka's metrics measure quotas (SampledStat + Rate):
 * `samples` windows of `windowMs` each; the current window fills until it is `windowMs` old, then
 * the oldest is reused; windows older than samples × windowMs count for nothing. The rate divides
 * the total by the time the retained windows span, but never by less than samples − 1 full windows,
 * so that a first burst is not measured over a few milliseconds.
 *
 * A quota is violated when the rate after recording exceeds the bound; the throttle time is then how
 * long the client must stay silent for the rate to come back to the bound:
 * (rate − bound) / bound × window span (Kafka's QuotaUtils.throttleTime).
 */

export interface RateWindows {
  samples: number;
  windowMs: number;
}

interface Sample {
  start: number;
  value: number;
}

export class SampledRate {
  private readonly samples: Sample[] = [];
  private current = 0;
  /** When the rate was last recorded to: idle rates are dropped by their owner. */
  lastRecordMs = 0;

  constructor(private readonly cfg: RateWindows) {}

  record(value: number, nowMs: number): void {
    this.lastRecordMs = nowMs;
    let s = this.samples[this.current];
    if (!s) {
      s = { start: nowMs, value: 0 };
      this.samples.push(s);
    } else if (nowMs - s.start >= this.cfg.windowMs) {
      this.current = (this.current + 1) % this.cfg.samples;
      s = this.samples[this.current];
      if (!s) {
        s = { start: nowMs, value: 0 };
        this.samples.push(s);
      } else {
        s.start = nowMs;
        s.value = 0;
      }
    }
    s.value += value;
  }

  private purge(nowMs: number): void {
    const maxAge = this.cfg.samples * this.cfg.windowMs;
    for (const s of this.samples) {
      if (nowMs - s.start >= maxAge) {
        s.start = nowMs;
        s.value = 0;
      }
    }
  }

  /** The span (ms) the rate is measured over at `nowMs`. */
  windowSize(nowMs: number): number {
    this.purge(nowMs);
    let oldest = nowMs;
    for (const s of this.samples) if (s.start < oldest) oldest = s.start;
    let elapsed = nowMs - oldest;
    const fullWindows = Math.floor(elapsed / this.cfg.windowMs);
    const minFull = this.cfg.samples - 1;
    if (fullWindows < minFull) elapsed += (minFull - fullWindows) * this.cfg.windowMs;
    return elapsed;
  }

  /** Units per second. */
  measure(nowMs: number): number {
    const span = this.windowSize(nowMs);
    let total = 0;
    for (const s of this.samples) total += s.value;
    return span > 0 ? (total * 1000) / span : 0;
  }

  /** 0 when the rate is within `bound`, else how long (ms) to throttle for it to come back to it. */
  throttleMs(bound: number, nowMs: number): number {
    const rate = this.measure(nowMs);
    if (rate <= bound) return 0;
    return Math.round(((rate - bound) / bound) * this.windowSize(nowMs));
  }
}
