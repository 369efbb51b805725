/** fast-check arbitraries built from the parsed specs: a valid value of any message at any version. */
import fc from 'fast-check';
import { type FieldSpec, type MessageSpec, inRange } from '../../src/protocol/codegen/spec.js';

const camel = (s: string): string => s.charAt(0).toLowerCase() + s.slice(1);

function structFields(msg: MessageSpec): Map<string, FieldSpec[]> {
  const map = new Map<string, FieldSpec[]>();
  const walk = (fields: FieldSpec[]): void => {
    for (const f of fields) {
      if (f.fields) {
        map.set(f.type.replace(/^\[\]/, ''), f.fields);
        walk(f.fields);
      }
    }
  };
  for (const s of msg.structs) {
    map.set(s.name, s.fields);
    walk(s.fields);
  }
  walk(msg.fields);
  return map;
}

function defaultOf(f: FieldSpec, structs: Map<string, FieldSpec[]>, v: number): unknown {
  if (f.default === 'null') return null;
  if (f.type.startsWith('[]')) return [];
  switch (f.type) {
    case 'int8':
    case 'int16':
    case 'uint16':
    case 'int32':
    case 'float64':
      return f.default === undefined ? 0 : Number(f.default);
    case 'int64':
      return f.default === undefined ? 0n : BigInt(f.default);
    case 'bool':
      return f.default === 'true';
    case 'string':
      return f.default ?? '';
    case 'uuid':
      return '00000000-0000-0000-0000-000000000000';
    case 'bytes':
    case 'records':
      return Buffer.alloc(0);
    default:
      return Object.fromEntries(structs.get(f.type)!.map((c) => [camel(c.name), defaultOf(c, structs, v)]));
  }
}

function primitive(type: string): fc.Arbitrary<unknown> {
  switch (type) {
    case 'int8':
      return fc.integer({ min: -128, max: 127 });
    case 'int16':
      return fc.integer({ min: -32768, max: 32767 });
    case 'uint16':
      return fc.integer({ min: 0, max: 65535 });
    case 'int32':
      return fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
    case 'int64':
      return fc.bigInt(-(2n ** 63n), 2n ** 63n - 1n);
    case 'float64':
      return fc.double({ noNaN: true });
    case 'bool':
      return fc.boolean();
    case 'string':
      return fc.string({ unit: 'grapheme', maxLength: 12 });
    case 'uuid':
      return fc.uuid();
    case 'bytes':
    case 'records':
      return fc.uint8Array({ maxLength: 24 }).map((a) => Buffer.from(a));
  }
  throw new Error(`not a primitive: ${type}`);
}

export function messageArbitrary(msg: MessageSpec, v: number, depth = 0): fc.Arbitrary<Record<string, unknown>> {
  const structs = structFields(msg);
  const valueOf = (f: FieldSpec, type: string, d: number): fc.Arbitrary<unknown> => {
    if (type.startsWith('[]')) {
      const el = type.slice(2);
      return fc.array(valueOf(f, el, d + 1), { maxLength: d > 2 ? 1 : 3 });
    }
    const st = structs.get(type);
    if (st) return structArb(st, d + 1);
    return primitive(type);
  };
  const structArb = (fields: FieldSpec[], d: number): fc.Arbitrary<Record<string, unknown>> => {
    const rec: Record<string, fc.Arbitrary<unknown>> = {};
    for (const f of fields) {
      const present = inRange(f.versions, v) && (f.tagged === undefined || inRange(f.tagged, v));
      if (!present) {
        rec[camel(f.name)] = fc.constant(defaultOf(f, structs, v));
        continue;
      }
      const value = valueOf(f, f.type, d);
      rec[camel(f.name)] = f.nullable && inRange(f.nullable, v) ? fc.option(value, { nil: null }) : value;
    }
    return fc.record(rec);
  };
  return structArb(msg.fields, depth);
}
