/**
 * The JAAS configuration text Kafka clients put in `sasl.jaas.config` (and brokers in
 * `listener.name.<l>.<mech>.sasl.jaas.config`): `<LoginModule class> <flag> key=value ... ;`,
 * values bare words or quoted strings, // and /* *\/ comments, as Kafka's JaasConfig reads it with
 * Java's StreamTokenizer. A client takes exactly one login module, as Kafka's JaasContext insists.
 */
import { ClientError } from '../errors.js';

export interface JaasEntry {
  loginModule: string;
  flag: 'required' | 'requisite' | 'sufficient' | 'optional';
  options: Map<string, string>;
}

const FLAGS = new Set(['required', 'requisite', 'sufficient', 'optional']);

type Token = { kind: 'word' | 'quoted' | 'sym'; text: string };

const WORD = /[A-Za-z0-9_.$\-\u00a0-\u00ff]/;

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (/\s/.test(c)) {
      i++;
    } else if (text.startsWith('//', i)) {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? text.length : nl + 1;
    } else if (text.startsWith('/*', i)) {
      const end = text.indexOf('*/', i + 2);
      if (end < 0) throw new ClientError('JAAS config has an unterminated /* comment');
      i = end + 2;
    } else if (c === '"' || c === "'") {
      let s = '';
      let j = i + 1;
      for (; j < text.length && text[j] !== c; j++) {
        if (text[j] === '\\' && j + 1 < text.length) {
          const e = text[++j];
          s += ({ n: '\n', t: '\t', r: '\r', b: '\b', f: '\f' } as Record<string, string>)[e] ?? e;
        } else s += text[j];
      }
      if (j >= text.length) throw new ClientError('JAAS config has an unterminated quoted value');
      out.push({ kind: 'quoted', text: s });
      i = j + 1;
    } else if (WORD.test(c)) {
      let j = i;
      while (j < text.length && WORD.test(text[j])) j++;
      out.push({ kind: 'word', text: text.slice(i, j) });
      i = j;
    } else {
      out.push({ kind: 'sym', text: c });
      i++;
    }
  }
  return out;
}

/** All login module entries of a JAAS config text; a ClientError names what is wrong (never a value). */
export function parseJaasConfig(text: string): JaasEntry[] {
  const toks = tokenize(text);
  const entries: JaasEntry[] = [];
  let i = 0;
  while (i < toks.length) {
    const mod = toks[i++];
    if (mod.kind !== 'word') throw new ClientError(`JAAS config: expected a login module class, found '${mod.text}'`);
    const flag = toks[i++];
    if (!flag || flag.kind !== 'word' || !FLAGS.has(flag.text.toLowerCase())) {
      throw new ClientError(`JAAS config: login module control flag not specified after ${mod.text} (required, requisite, sufficient or optional)`);
    }
    const options = new Map<string, string>();
    for (;;) {
      const t = toks[i++];
      if (!t) throw new ClientError(`JAAS config entry of ${mod.text} not terminated by semi-colon`);
      if (t.kind === 'sym' && t.text === ';') break;
      if (t.kind === 'sym') throw new ClientError(`JAAS config: unexpected '${t.text}' in the options of ${mod.text}`);
      const eq = toks[i++];
      if (!eq || eq.kind !== 'sym' || eq.text !== '=') throw new ClientError(`JAAS config: option '${t.text}' of ${mod.text} has no '='`);
      const v = toks[i++];
      if (!v || v.kind === 'sym') throw new ClientError(`JAAS config: value not specified for option '${t.text}' of ${mod.text}`);
      options.set(t.text, v.text);
    }
    entries.push({ loginModule: mod.text, flag: flag.text.toLowerCase() as JaasEntry['flag'], options });
  }
  if (entries.length === 0) throw new ClientError('JAAS config: login module not specified');
  return entries;
}

/** The one login module of a client's sasl.jaas.config. */
export function clientJaasEntry(text: string, key = 'sasl.jaas.config'): JaasEntry {
  const entries = parseJaasConfig(text);
  if (entries.length !== 1) throw new ClientError(`${key} contains ${entries.length} login modules, should be 1 module`);
  return entries[0];
}
