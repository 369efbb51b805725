/**
 * Turns parsed specs into TypeScript: an interface per struct and, per message, read/size/write
 * functions that take the version as an argument. One function serves every version, with the
 * version conditions written out inline, so there are no near-duplicate per-version copies.
 */
import { type FieldSpec, type MessageSpec, type VersionRange, PRIMITIVES, formatRange } from './spec.js';
import { FIXED_WIDTH } from '../primitives/fixed-width.js';

interface StructInfo {
  tsName: string;
  fields: FieldSpec[];
}

const camel = (s: string): string => s.charAt(0).toLowerCase() + s.slice(1);

/** Types read and written by the primitive of the same name (reader.int32(), writer.int32(x)), with their size in bytes. */
const FIXED_SIZE: ReadonlyMap<string, number> = new Map([...Object.entries(FIXED_WIDTH).map(([name, f]): [string, number] => [name, f.size]), ['bool', 1], ['uuid', 16]]);

function cond(r: VersionRange, v = 'v'): string {
  if (r.min > r.max) return 'false';
  const lo = r.min > 0 ? `${v} >= ${r.min}` : '';
  const hi = r.max !== Infinity ? `${v} <= ${r.max}` : '';
  if (lo && hi) return r.min === r.max ? `${v} === ${r.min}` : `${lo} && ${hi}`;
  return lo || hi || 'true';
}

/** True when the range covers every version the message has (so the check can be left out). */
function covers(r: VersionRange, msg: VersionRange): boolean {
  return r.min <= msg.min && r.max >= msg.max;
}

function elementType(t: string): string | undefined {
  return t.startsWith('[]') ? t.slice(2) : undefined;
}

export function generateMessage(msg: MessageSpec): string {
  const structs = new Map<string, StructInfo>();
  const register = (name: string, fields: FieldSpec[]): void => {
    if (structs.has(name)) throw new Error(`${msg.file}: struct ${name} defined twice in ${msg.name}`);
    structs.set(name, { tsName: name.startsWith(msg.name) ? name : msg.name + name, fields });
    collect(fields);
  };
  const collect = (fields: FieldSpec[]): void => {
    for (const f of fields) {
      if (f.fields) register(elementType(f.type) ?? f.type, f.fields);
    }
  };
  for (const s of msg.structs) register(s.name, s.fields);
  collect(msg.fields);
  const root: StructInfo = { tsName: msg.name, fields: msg.fields };

  const flexMin = msg.flexible.min > msg.flexible.max ? Infinity : msg.flexible.min;
  const out: string[] = [];

  const tsType = (f: FieldSpec): string => {
    const nullable = f.nullable !== undefined && f.nullable.min <= f.nullable.max;
    const base = (t: string): string => {
      switch (t) {
        case 'int8':
        case 'int16':
        case 'uint16':
        case 'int32':
        case 'float64':
          return 'number';
        case 'int64':
          return 'bigint';
        case 'bool':
          return 'boolean';
        case 'string':
        case 'uuid':
          return 'string';
        case 'bytes':
        case 'records':
          return 'Buffer';
        default: {
          const st = structs.get(t);
          if (!st) throw new Error(`${msg.file}:${f.line}: unknown type ${t}`);
          return st.tsName;
        }
      }
    };
    const el = elementType(f.type);
    const t = el ? `${base(el)}[]` : base(f.type);
    return nullable ? `${t} | null` : t;
  };

  const defaultExpr = (f: FieldSpec): string => {
    const el = elementType(f.type);
    const d = f.default;
    if (d === 'null') return 'null';
    if (el) return '[]';
    switch (f.type) {
      case 'int8':
      case 'int16':
      case 'uint16':
      case 'int32':
      case 'float64':
        return d === undefined ? '0' : String(Number(d));
      case 'int64':
        return d === undefined ? '0n' : `${BigInt(d)}n`;
      case 'bool':
        return d === 'true' ? 'true' : 'false';
      case 'string':
        return JSON.stringify(d ?? '');
      case 'uuid':
        return 'ZERO_UUID';
      case 'bytes':
      case 'records':
        return f.nullable && f.nullable.min <= f.nullable.max && d === undefined ? 'EMPTY' : 'EMPTY';
      default:
        return `default${structs.get(f.type)!.tsName}()`;
    }
  };

  const isCompact = (f: FieldSpec): string => (f.flexible && f.flexible.min > f.flexible.max ? 'false' : 'flex');

  const nullableAt = (f: FieldSpec): string => (f.nullable ? cond(f.nullable) : 'false');

  // ---- read ----
  const readValue = (f: FieldSpec, t: string, r: string, depth: number): string => {
    const c = isCompact(f);
    if (FIXED_SIZE.has(t)) return `${r}.${t}()`;
    switch (t) {
      case 'string':
        return f.nullable ? `(${nullableAt(f)} ? ${r}.nullableString(${c}) : ${r}.string(${c}))` : `${r}.string(${c})`;
      case 'bytes':
      case 'records':
        return f.nullable ? `(${nullableAt(f)} ? ${r}.nullableBytes(${c}) : ${r}.bytes(${c}))` : `${r}.bytes(${c})`;
    }
    const el = elementType(t);
    if (el) {
      const n = `n${depth}`;
      const a = `a${depth}`;
      const elField: FieldSpec = { ...f, type: el, nullable: undefined };
      return `((${n}: number) => { if (${n} < 0) { ${f.nullable ? `if (${nullableAt(f)}) return null; ` : ''}throw new DecodeError('null array in ${msg.name}.${f.name}'); } const ${a} = new Array(${n}); for (let i = 0; i < ${n}; i++) ${a}[i] = ${readValue(elField, el, r, depth + 1)}; return ${a}; })(${r}.arrayLength(${c}))`;
    }
    const st = structs.get(t)!;
    if (f.nullable) return `(${nullableAt(f)} && ${r}.int8() < 0 ? null : read${st.tsName}(${r}, v))`;
    return `read${st.tsName}(${r}, v)`;
  };

  // ---- size ----
  const sizeValue = (f: FieldSpec, t: string, x: string, depth: number): string => {
    const c = isCompact(f);
    const width = FIXED_SIZE.get(t);
    if (width !== undefined) return String(width);
    switch (t) {
      case 'string':
        return `stringSize(${x}, ${c})`;
      case 'bytes':
        return `bytesSize(${x}, ${c})`;
      case 'records':
        return `recordsSize(${x}, ${c})`;
    }
    const el = elementType(t);
    if (el) {
      const e = `e${depth}`;
      const s = `s${depth}`;
      const elField: FieldSpec = { ...f, type: el, nullable: undefined };
      const fixed = FIXED_SIZE.get(el);
      const inner =
        fixed !== undefined
          ? `arrayHeaderSize(${x}.length, ${c}) + ${x}.length * ${fixed}`
          : `((): number => { let ${s} = arrayHeaderSize(${x}.length, ${c}); for (const ${e} of ${x}) ${s} += ${sizeValue(elField, el, e, depth + 1)}; return ${s}; })()`;
      return f.nullable ? `(${x} === null ? arrayHeaderSize(-1, ${c}) : ${inner})` : inner;
    }
    const st = structs.get(t)!;
    if (f.nullable) return `(${nullableAt(f)} ? (${x} === null ? 1 : 1 + size${st.tsName}(${x}, v)) : size${st.tsName}(${x}!, v))`;
    return `size${st.tsName}(${x}, v)`;
  };

  // ---- write ----
  const writeValue = (f: FieldSpec, t: string, x: string, w: string, depth: number): string => {
    const c = isCompact(f);
    if (FIXED_SIZE.has(t)) return `${w}.${t}(${x});`;
    switch (t) {
      case 'string':
        return `${w}.nullableString(${x}, ${c});`;
      case 'bytes':
        return `${w}.nullableBytes(${x}, ${c});`;
      case 'records':
        return `${w}.records(${x}, ${c});`;
    }
    const el = elementType(t);
    if (el) {
      const e = `e${depth}`;
      const elField: FieldSpec = { ...f, type: el, nullable: undefined };
      const body = `${w}.arrayLength(${x}.length, ${c}); for (const ${e} of ${x}) { ${writeValue(elField, el, e, w, depth + 1)} }`;
      return f.nullable ? `if (${x} === null) ${w}.arrayLength(-1, ${c}); else { ${body} }` : body;
    }
    const st = structs.get(t)!;
    if (f.nullable)
      return `if (${nullableAt(f)}) { if (${x} === null) ${w}.int8(-1); else { ${w}.int8(1); write${st.tsName}(${w}, ${x}, v); } } else write${st.tsName}(${w}, ${x}!, v);`;
    return `write${st.tsName}(${w}, ${x}, v);`;
  };

  const isDefaultExpr = (f: FieldSpec, x: string): string => {
    const d = defaultExpr(f);
    if (elementType(f.type)) return d === 'null' ? `${x} === null` : `${x}.length === 0`;
    if (d === 'null' || PRIMITIVES.has(f.type)) {
      if (f.type === 'bytes' || f.type === 'records') return d === 'null' ? `${x} === null` : `${x}.length === 0`;
      return `${x} === ${d}`;
    }
    return `isDefaultValue(${x}, ${d})`;
  };

  const emitStruct = (st: StructInfo, exported: boolean): void => {
    const plain = st.fields.filter((f) => f.tag === undefined);
    const tagged = st.fields.filter((f) => f.tag !== undefined).sort((a, b) => a.tag! - b.tag!);
    const ex = exported ? 'export ' : 'export ';
    out.push(`${ex}interface ${st.tsName} {`);
    for (const f of st.fields) {
      out.push(`  /** versions ${formatRange(f.versions)}${f.nullable ? `, nullable ${formatRange(f.nullable)}` : ''}${f.tag !== undefined ? `, tag ${f.tag}` : ''} */`);
      out.push(`  ${camel(f.name)}: ${tsType(f)};`);
    }
    out.push('  /** Tagged fields this version of Runnel does not know, kept so they survive a round trip. */');
    out.push('  unknownTaggedFields?: RawTaggedField[];');
    out.push('}', '');

    out.push(`export function default${st.tsName}(): ${st.tsName} {`);
    out.push(`  return { ${st.fields.map((f) => `${camel(f.name)}: ${defaultExpr(f)}`).join(', ')} };`);
    out.push('}', '');

    const flexLine = `  const flex = ${flexMin === Infinity ? 'false' : `v >= ${flexMin}`};`;
    // read
    out.push(`export function read${st.tsName}(r: Reader, v: number): ${st.tsName} {`);
    out.push(flexLine);
    out.push(`  const m: ${st.tsName} = {`);
    for (const f of st.fields) {
      if (f.tag !== undefined) {
        out.push(`    ${camel(f.name)}: ${defaultExpr(f)},`);
        continue;
      }
      const read = readValue(f, f.type, 'r', 0);
      out.push(covers(f.versions, msg.versions) ? `    ${camel(f.name)}: ${read},` : `    ${camel(f.name)}: ${cond(f.versions)} ? ${read} : ${defaultExpr(f)},`);
    }
    out.push('  };');
    if (flexMin !== Infinity) {
      out.push('  if (flex) {');
      if (tagged.length === 0) out.push('    const unknown = r.taggedFields(() => false);');
      else {
        out.push('    const unknown = r.taggedFields((tag, t) => {');
        out.push('      switch (tag) {');
        for (const f of tagged) {
          out.push(`        case ${f.tag}:`);
          out.push(`          if (!(${cond(f.tagged!)})) return false;`);
          out.push(`          m.${camel(f.name)} = ${readValue(f, f.type, 't', 0)};`);
          out.push('          return true;');
        }
        out.push('        default:');
        out.push('          return false;');
        out.push('      }');
        out.push('    });');
      }
      out.push('    if (unknown) m.unknownTaggedFields = unknown;');
      out.push('  }');
    }
    out.push('  return m;', '}', '');

    // size
    out.push(`export function size${st.tsName}(m: ${st.tsName}, v: number): number {`);
    out.push(flexLine);
    out.push('  let s = 0;');
    for (const f of plain) {
      const sz = `s += ${sizeValue(f, f.type, `m.${camel(f.name)}`, 0)};`;
      out.push(covers(f.versions, msg.versions) ? `  ${sz}` : `  if (${cond(f.versions)}) ${sz}`);
    }
    if (flexMin !== Infinity) {
      out.push('  if (flex) {');
      out.push('    let count = m.unknownTaggedFields?.length ?? 0;');
      out.push('    s += unknownTagsSize(m.unknownTaggedFields);');
      for (const f of tagged) {
        const x = `m.${camel(f.name)}`;
        out.push(`    if (${cond(f.tagged!)} && !(${isDefaultExpr(f, x)})) {`);
        out.push(`      const z = ${sizeValue(f, f.type, x, 0)};`);
        out.push(`      s += uvarintSize(${f.tag}) + uvarintSize(z) + z;`);
        out.push('      count++;');
        out.push('    }');
      }
      out.push('    s += uvarintSize(count);');
      out.push('  }');
    }
    out.push('  return s;', '}', '');

    // write
    out.push(`export function write${st.tsName}(w: Writer, m: ${st.tsName}, v: number): void {`);
    out.push(flexLine);
    for (const f of plain) {
      const wr = writeValue(f, f.type, `m.${camel(f.name)}`, 'w', 0);
      out.push(covers(f.versions, msg.versions) ? `  ${wr}` : `  if (${cond(f.versions)}) { ${wr} }`);
    }
    if (flexMin !== Infinity) {
      out.push('  if (flex) {');
      if (tagged.length === 0) {
        out.push('    const unknown = m.unknownTaggedFields;');
        out.push('    w.uvarint(unknown?.length ?? 0);');
        out.push('    if (unknown) for (const u of unknown) { w.uvarint(u.tag); w.uvarint(u.data.length); w.raw(u.data); }');
      } else {
        // Known and unknown tags are written together in ascending tag order, as the format requires.
        out.push('    const entries: Array<[number, () => number, () => void]> = [];');
        for (const f of tagged) {
          const x = `m.${camel(f.name)}`;
          out.push(`    if (${cond(f.tagged!)} && !(${isDefaultExpr(f, x)})) entries.push([${f.tag}, () => ${sizeValue(f, f.type, x, 0)}, () => { ${writeValue(f, f.type, x, 'w', 0)} }]);`);
        }
        out.push('    if (m.unknownTaggedFields) for (const u of m.unknownTaggedFields) entries.push([u.tag, () => u.data.length, () => w.raw(u.data)]);');
        out.push('    entries.sort((a, b) => a[0] - b[0]);');
        out.push('    w.uvarint(entries.length);');
        out.push('    for (const [tag, size, write] of entries) { w.uvarint(tag); w.uvarint(size()); write(); }');
      }
      out.push('  }');
    }
    out.push('}', '');
  };

  for (const st of structs.values()) emitStruct(st, true);
  emitStruct(root, true);

  const meta = {
    name: msg.name,
    kind: msg.kind,
    apiKey: msg.apiKey ?? -1,
    minVersion: msg.versions.min,
    maxVersion: msg.versions.max,
    flexibleMin: flexMin === Infinity ? -1 : flexMin,
  };
  out.push(`export const ${msg.name}Meta = ${JSON.stringify(meta)} as const;`, '');
  return out.join('\n');
}

export function fileHeader(source: string): string {
  return [
    `// Generated by src/protocol/codegen from protocol-specs/${source}. Do not edit: run \`npm run gen\`.`,
    '/* eslint-disable */',
    "import { Reader, type RawTaggedField } from '../primitives/reader.js';",
    "import { Writer, uvarintSize, stringSize, bytesSize, recordsSize, arrayHeaderSize, unknownTagsSize } from '../primitives/writer.js';",
    "import { DecodeError } from '../primitives/errors.js';",
    "import { ZERO_UUID, EMPTY, isDefaultValue } from '../primitives/values.js';",
    '',
    'void Reader; void Writer; void uvarintSize; void stringSize; void bytesSize; void recordsSize; void arrayHeaderSize; void unknownTagsSize; void DecodeError; void ZERO_UUID; void EMPTY; void isDefaultValue;',
    'export type { RawTaggedField };',
    '',
  ].join('\n');
}
