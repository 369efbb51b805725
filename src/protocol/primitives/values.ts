export const ZERO_UUID = '00000000-0000-0000-0000-000000000000';
export const EMPTY: Buffer = Buffer.alloc(0);

/** Structural equality, used only to decide whether a tagged struct field equals its default (and can be left out). */
export function isDefaultValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Buffer.isBuffer(a) && Buffer.isBuffer(b)) return a.equals(b);
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => isDefaultValue(x, b[i]));
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a).filter((k) => k !== 'unknownTaggedFields');
    return ka.every((k) => isDefaultValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  return false;
}
