/**
 * One-shot wake-ups: long-polling readers register here and are all called, once, at the next
 * wake() (an append, a high-watermark move). Registering returns its own cancellation.
 */
export class Waiters {
  private readonly fns = new Set<() => void>();

  add(fn: () => void): () => void {
    this.fns.add(fn);
    return () => this.fns.delete(fn);
  }

  wake(): void {
    if (this.fns.size === 0) return;
    const fns = [...this.fns];
    this.fns.clear();
    for (const fn of fns) fn();
  }
}
