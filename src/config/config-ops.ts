/**
 * The operations of AlterConfigs and IncrementalAlterConfigs on a resource's overrides, the same
 * for topics, dynamic broker configs and groups: AlterConfigs replaces every override (its ops are
 * all SET); IncrementalAlterConfigs applies SET, DELETE, APPEND and SUBTRACT one by one, the last
 * two to list keys only, as Kafka's ConfigAdminManager does.
 */

export const AlterOp = { SET: 0, DELETE: 1, APPEND: 2, SUBTRACT: 3 } as const;
const OP_NAMES = ['SET', 'DELETE', 'APPEND', 'SUBTRACT'];

/** The operation's name as Kafka's messages spell it, undefined for a code Kafka does not have. */
export function opName(op: number): string | undefined {
  return OP_NAMES[op];
}

export interface ConfigOp {
  name: string;
  op: number;
  value: string | null;
}

/** 'replace': the ops (all SET) are the resource's new overrides (AlterConfigs); 'incremental': applied to them. */
export type AlterMode = 'replace' | 'incremental';

/**
 * The overrides after `ops`, or why they cannot apply (INVALID_CONFIG). `listBase` gives the value
 * APPEND and SUBTRACT start from when a key has no override; undefined: not a list key.
 */
export function applyConfigOps(
  current: ReadonlyMap<string, string>,
  ops: ConfigOp[],
  mode: AlterMode,
  listBase: (name: string) => string | undefined,
): { configs: Map<string, string> } | { invalid: string } {
  if (mode === 'replace') return { configs: new Map(ops.map((o) => [o.name, o.value!])) };
  // A Map, not an object: a key named "__proto__" must stay a (refused) key.
  const next = new Map(current);
  for (const { name, op, value } of ops) {
    if (op === AlterOp.SET) next.set(name, value!);
    else if (op === AlterOp.DELETE) next.delete(name);
    else {
      const fallback = listBase(name);
      if (fallback === undefined) return { invalid: `Can't ${opName(op)} to key ${name} because its type is not LIST.` };
      const base = next.get(name) ?? fallback;
      const items = base === '' ? [] : base.split(',').map((s) => s.trim());
      const given = value!.split(',').map((s) => s.trim());
      const list = op === AlterOp.APPEND ? [...items, ...given.filter((g, i) => !items.includes(g) && given.indexOf(g) === i)] : items.filter((i) => !given.includes(i));
      next.set(name, list.join(','));
    }
  }
  return { configs: next };
}
