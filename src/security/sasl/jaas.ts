/**
 * The value of a `sasl.jaas.config` property, parsed as Kafka's JaasConfig parses it (a
 * java.io.StreamTokenizer set up to read `<loginModuleClass> <controlFlag> (<option>=<value>)*;`):
 * - bytes 0-32 are white space (line ends included), `//` and `/* *\/` are comments, and so is a
 *   lone `/` up to the end of the line;
 * - a value is a word (any run of characters other than white space, `;`, `=`, `/` and quotes) or
 *   a string in double or single quotes, with Java escapes (\n, \t, \", \\, octal...) and ending at
 *   the closing quote or the end of the line;
 * - the control flag is one of required/requisite/sufficient/optional, in any case;
 * - each entry ends with `;`.
 * Errors say what is wrong and where, never the text of a value (it holds passwords).
 */

export type JaasControlFlag = 'required' | 'requisite' | 'sufficient' | 'optional';

export interface JaasEntry {
  loginModule: string;
  controlFlag: JaasControlFlag;
  options: ReadonlyMap<string, string>;
}

export class JaasParseError extends Error {}

type Token = { kind: 'word' | 'quoted'; text: string } | { kind: ';' | '=' | 'other'; text: string };

const FLAGS: readonly JaasControlFlag[] = ['required', 'requisite', 'sufficient', 'optional'];

/** Every login module entry in `text` (a JAAS config property value). */
export function parseJaasConfig(text: string): JaasEntry[] {
  const tokens = tokenize(text);
  const entries: JaasEntry[] = [];
  let i = 0;
  while (i < tokens.length) {
    const module = tokens[i++];
    if (module.kind !== 'word' && module.kind !== 'quoted') throw new JaasParseError(`login module name expected in JAAS config, found '${module.text}'`);
    const flagToken = tokens[i++];
    if (!flagToken) throw new JaasParseError('Login module control flag not specified in JAAS config');
    const flag = flagToken.text.toLowerCase() as JaasControlFlag;
    if ((flagToken.kind !== 'word' && flagToken.kind !== 'quoted') || !FLAGS.includes(flag))
      throw new JaasParseError(`Invalid login module control flag in JAAS config (expected one of ${FLAGS.join(', ')})`);
    const options = new Map<string, string>();
    for (;;) {
      const t = tokens[i++];
      if (!t) throw new JaasParseError('JAAS config entry not terminated by semi-colon');
      if (t.kind === ';') break;
      if (t.kind !== 'word' && t.kind !== 'quoted') throw new JaasParseError(`option name expected in JAAS config, found '${t.text}'`);
      const eq = tokens[i++];
      const value = tokens[i++];
      if (eq?.kind !== '=' || !value || (value.kind !== 'word' && value.kind !== 'quoted'))
        throw new JaasParseError(`Value not specified for key '${t.text}' in JAAS config`);
      options.set(t.text, value.text);
    }
    entries.push({ loginModule: module.text, controlFlag: flag, options });
  }
  if (entries.length === 0) throw new JaasParseError('Login module not specified in JAAS config');
  return entries;
}

/** The one login module a `sasl.jaas.config` property may hold (Kafka refuses more or fewer). */
export function parseSingleJaasEntry(text: string): JaasEntry {
  const entries = parseJaasConfig(text);
  if (entries.length !== 1) throw new JaasParseError(`JAAS config property contains ${entries.length} login modules, should be 1 module`);
  return entries[0];
}

const isSpace = (c: number): boolean => c <= 32;
const isOrdinary = (ch: string): boolean => ch === ';' || ch === '=';

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    const ch = text[i];
    const code = text.charCodeAt(i);
    if (isSpace(code)) {
      i++;
    } else if (ch === '/') {
      if (text[i + 1] === '*') {
        const end = text.indexOf('*/', i + 2);
        i = end < 0 ? n : end + 2;
      } else {
        // `//` and a lone `/` (StreamTokenizer's comment character) both run to the end of the line.
        while (i < n && text[i] !== '\n' && text[i] !== '\r') i++;
      }
    } else if (isOrdinary(ch)) {
      out.push({ kind: ch as ';' | '=', text: ch });
      i++;
    } else if (ch === '"' || ch === "'") {
      const [value, next] = readQuoted(text, i + 1, ch);
      out.push({ kind: 'quoted', text: value });
      i = next;
    } else {
      let j = i;
      while (j < n) {
        const c = text[j];
        if (isSpace(text.charCodeAt(j)) || isOrdinary(c) || c === '/' || c === '"' || c === "'") break;
        j++;
      }
      out.push({ kind: 'word', text: text.slice(i, j) });
      i = j;
    }
  }
  return out;
}

const ESCAPES: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

/** A quoted string from `start` (after the opening quote): its value and the index after it. */
function readQuoted(text: string, start: number, quote: string): [string, number] {
  let out = '';
  let i = start;
  while (i < text.length) {
    const ch = text[i];
    if (ch === quote) return [out, i + 1];
    if (ch === '\n' || ch === '\r') return [out, i]; // as StreamTokenizer: a string ends with its line
    if (ch === '\\' && i + 1 < text.length) {
      const e = text[i + 1];
      if (e >= '0' && e <= '7') {
        // Up to three octal digits, the value at most 0377.
        let j = i + 1;
        let v = 0;
        const max = e <= '3' ? 3 : 2;
        while (j < text.length && j - (i + 1) < max && text[j] >= '0' && text[j] <= '7') v = v * 8 + (text.charCodeAt(j++) - 48);
        out += String.fromCharCode(v);
        i = j;
        continue;
      }
      out += ESCAPES[e] ?? e;
      i += 2;
      continue;
    }
    out += ch;
    i++;
  }
  return [out, i];
}
