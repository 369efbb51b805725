/**
 * A store's view of the keys under one prefix of the cluster's control state (P/quotas/, P/acls/,
 * P/scram/): re-read from the broker's watched state on every image and handed to `load` only when
 * some key under the prefix changed (by mod revision), so an unrelated watch batch costs one
 * comparison. A key `load` cannot understand is warned about once per revision.
 */
import type { EtcdControl } from './etcd-control.js';
import type { Logger } from '../../util/logger.js';
import { tellListeners } from '../../util/listeners.js';

export type PrefixLoader = (stored: ReadonlyArray<readonly [key: string, value: string]>, bad: (key: string) => void) => void;

export class PrefixWatch {
  /** `<root>/<sub>/`: where the keys are. */
  readonly dir: string;
  private revisions = new Map<string, number>();
  private readonly listeners: Array<() => void> = [];
  private readonly unsubscribe: () => void;

  constructor(
    private readonly control: EtcdControl,
    sub: string,
    /** What the keys hold, for log lines ("client quota", "ACL"). */
    private readonly what: string,
    private readonly log: Logger,
    private readonly load: PrefixLoader,
  ) {
    this.dir = `${control.keys.root}/${sub}/`;
    this.refresh();
    this.unsubscribe = control.onImage(() => this.refresh());
  }

  private refresh(): void {
    const stored = this.control.state.under(this.dir);
    if (stored.length === this.revisions.size && stored.every(([k, s]) => this.revisions.get(k) === s.modRevision)) return;
    const previous = this.revisions;
    const revisions = new Map(stored.map(([k, s]) => [k, s.modRevision] as const));
    this.revisions = revisions;
    this.load(
      stored.map(([k, s]) => [k, s.value] as const),
      (key) => {
        if (previous.get(key) !== revisions.get(key)) this.log.warn({ key }, `ignoring a ${this.what} key it does not understand`);
      },
    );
    tellListeners(this.listeners, [], this.log, this.what);
  }

  onChange(fn: () => void): void {
    this.listeners.push(fn);
  }

  /** The control connection is the broker's; the store only stops listening to it. */
  close(): void {
    this.unsubscribe();
  }
}
