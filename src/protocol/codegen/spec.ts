/**
 * Parser for the files in protocol-specs/ (format described in protocol-specs/README.md).
 * The parsed model is used by the code generator and by the test that cross-checks the specs.
 */

export interface VersionRange {
  min: number;
  /** Inclusive; Infinity for an open range ("3+"); -1/-2 (min > max) for "none". */
  max: number;
}

export interface FieldSpec {
  name: string;
  /** As written: int8 … float64, bool, string, bytes, records, uuid, a struct name, or []T. */
  type: string;
  versions: VersionRange;
  nullable?: VersionRange;
  tag?: number;
  tagged?: VersionRange;
  default?: string;
  /** Set when a field overrides the message's flexible versions (only "none" is used by Kafka). */
  flexible?: VersionRange;
  /** Child fields when the field's type is a struct (or array of structs) defined here. */
  fields?: FieldSpec[];
  line: number;
}

export interface StructSpec {
  name: string;
  versions: VersionRange;
  fields: FieldSpec[];
}

export interface MessageSpec {
  kind: 'request' | 'response' | 'header';
  name: string;
  apiKey?: number;
  versions: VersionRange;
  flexible: VersionRange;
  fields: FieldSpec[];
  structs: StructSpec[];
  file: string;
}

export const NONE: VersionRange = { min: 1, max: 0 };

export function parseRange(s: string): VersionRange {
  if (s === 'none') return NONE;
  let m = /^(\d+)\+$/.exec(s);
  if (m) return { min: Number(m[1]), max: Infinity };
  m = /^(\d+)-(\d+)$/.exec(s);
  if (m) return { min: Number(m[1]), max: Number(m[2]) };
  m = /^(\d+)$/.exec(s);
  if (m) return { min: Number(m[1]), max: Number(m[1]) };
  throw new Error(`bad version range '${s}'`);
}

export function formatRange(r: VersionRange): string {
  if (r.min > r.max) return 'none';
  if (r.max === Infinity) return `${r.min}+`;
  return r.min === r.max ? `${r.min}` : `${r.min}-${r.max}`;
}

export function inRange(r: VersionRange, v: number): boolean {
  return v >= r.min && v <= r.max;
}

export const PRIMITIVES = new Set([
  'int8',
  'int16',
  'uint16',
  'int32',
  'int64',
  'float64',
  'bool',
  'string',
  'bytes',
  'records',
  'uuid',
]);

export function parseSpecFile(text: string, file: string): MessageSpec[] {
  const messages: MessageSpec[] = [];
  // Stack of field lists by indentation depth: depth 1 = message fields.
  let current: MessageSpec | undefined;
  let stack: FieldSpec[][] = [];
  const lines = text.split('\n');
  lines.forEach((raw, i) => {
    const lineNo = i + 1;
    const where = `${file}:${lineNo}`;
    const noComment = raw.replace(/#.*$/, '');
    if (noComment.trim() === '') return;
    const indent = noComment.length - noComment.trimStart().length;
    if (indent % 2 !== 0) throw new Error(`${where}: indentation must be a multiple of two spaces`);
    const depth = indent / 2;
    const tokens = noComment.trim().split(/\s+/);
    if (depth === 0) {
      const [kind, name, ...rest] = tokens;
      if (kind !== 'request' && kind !== 'response' && kind !== 'header')
        throw new Error(`${where}: expected request, response or header`);
      const opts = keywords(rest, where);
      current = {
        kind,
        name,
        apiKey: opts.key !== undefined ? Number(opts.key) : undefined,
        versions: parseRange(required(opts, 'versions', where)),
        flexible: parseRange(required(opts, 'flexible', where)),
        fields: [],
        structs: [],
        file,
      };
      messages.push(current);
      stack = [current.fields];
      return;
    }
    if (!current) throw new Error(`${where}: field outside a message`);
    if (depth > stack.length) throw new Error(`${where}: indented too deep`);
    stack.length = depth;
    const parent = stack[depth - 1];
    if (tokens[0] === 'struct') {
      if (depth !== 1) throw new Error(`${where}: struct definitions belong at message level`);
      const st: StructSpec = { name: tokens[1], versions: parseRange(tokens[2] ?? '0+'), fields: [] };
      current.structs.push(st);
      stack.push(st.fields);
      return;
    }
    const [name, type, versions, ...rest] = tokens;
    if (!name || !type || !versions) throw new Error(`${where}: a field needs a name, a type and versions`);
    const opts = keywords(rest, where);
    const field: FieldSpec = { name, type, versions: parseRange(versions), line: lineNo };
    if (opts.nullable) field.nullable = parseRange(opts.nullable);
    if (opts.tag) {
      const [tag, tagged] = opts.tag.split(' ');
      field.tag = Number(tag);
      field.tagged = parseRange(tagged);
    }
    if (opts.default !== undefined) field.default = opts.default === '""' ? '' : opts.default;
    if (opts.flexible) field.flexible = parseRange(opts.flexible);
    parent.push(field);
    field.fields = [];
    stack.push(field.fields);
  });
  for (const m of messages) prune(m.fields);
  for (const m of messages) for (const s of m.structs) prune(s.fields);
  return messages;
}

function prune(fields: FieldSpec[]): void {
  for (const f of fields) {
    if (f.fields && f.fields.length === 0) delete f.fields;
    else if (f.fields) prune(f.fields);
  }
}

function required(opts: Record<string, string>, key: string, where: string): string {
  const v = opts[key];
  if (v === undefined) throw new Error(`${where}: missing '${key}'`);
  return v;
}

/** `key value` pairs; `tag` takes two values (the tag number and its tagged versions). */
function keywords(tokens: string[], where: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < tokens.length; ) {
    const k = tokens[i];
    if (!['key', 'versions', 'flexible', 'nullable', 'tag', 'default'].includes(k))
      throw new Error(`${where}: unknown keyword '${k}'`);
    if (k === 'tag') {
      out.tag = `${tokens[i + 1]} ${tokens[i + 2]}`;
      i += 3;
    } else {
      if (tokens[i + 1] === undefined) throw new Error(`${where}: '${k}' needs a value`);
      out[k] = tokens[i + 1];
      i += 2;
    }
  }
  return out;
}
