/** Calling a module's change listeners: one that throws is logged and must not keep the others from hearing. */
import type { Logger } from './logger.js';

export function tellListeners<A extends unknown[]>(listeners: Iterable<(...args: A) => void>, args: A, log: Logger, what: string): void {
  for (const fn of listeners) {
    try {
      fn(...args);
    } catch (e) {
      log.error({ err: e }, `${what} listener failed`);
    }
  }
}
