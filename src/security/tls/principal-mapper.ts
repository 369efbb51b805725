/**
 * ssl.principal.mapping.rules, as Kafka's SslPrincipalMapper reads them: a comma-separated list
 * of `DEFAULT` (the distinguished name as it is) and `RULE:pattern/replacement/[LU]` (when the
 * pattern matches the whole DN, the DN with every match replaced; L/U lower/upper-cases the
 * result). The first rule that applies gives the name; when none does, the client is refused
 * (Kafka's NoMatchingRule fails the authentication).
 *
 * Patterns are Java regular expressions in Kafka; Runnel runs them as JavaScript ones, which
 * agree on everything rules are normally written with (groups, classes, quantifiers, anchors).
 */
import { ConfigError } from '../../config/config.js';

type Rule = { kind: 'default' } | { kind: 'rule'; pattern: RegExp; whole: RegExp; replacement: string; caseFold?: 'L' | 'U' };

// One rule: DEFAULT, RULE:p/r/[LU] (with \-escapes inside p and r), or anything else (refused).
const RULE = String.raw`(DEFAULT)|RULE:((?:\\.|[^\\/])*)/((?:\\.|[^\\/])*)/([LU]?)(.*?)|(.*?)`;
const SPLITTER = new RegExp(String.raw`\s*(` + RULE + String.raw`)\s*(?:,\s*|$)`, 'gy');
const PARSER = new RegExp('^(?:' + RULE + ')$');

export class NoMatchingRule extends Error {
  override name = 'NoMatchingRule';
}

export class SslPrincipalMapper {
  private constructor(private readonly rules: Rule[]) {}

  /** Parses the rules; a malformed one is a ConfigError naming it. */
  static fromRules(text: string | undefined, key = 'ssl.principal.mapping.rules'): SslPrincipalMapper {
    const rules: Rule[] = [];
    for (const r of splitRules(text ?? 'DEFAULT')) {
      const m = PARSER.exec(r);
      if (!m || m[5] || m[6]) throw new ConfigError(`${key}: invalid rule: ${r}`);
      if (m[1]) rules.push({ kind: 'default' });
      else if (m[2] !== undefined) {
        let pattern: RegExp;
        let whole: RegExp;
        try {
          pattern = new RegExp(m[2], 'g');
          whole = new RegExp(`^(?:${m[2]})$`);
        } catch (err) {
          throw new ConfigError(`${key}: invalid pattern in rule ${r}: ${(err as Error).message}`);
        }
        rules.push({ kind: 'rule', pattern, whole, replacement: javaReplacement(m[3], groupCount(whole)), caseFold: (m[4] || undefined) as 'L' | 'U' | undefined });
      }
    }
    return new SslPrincipalMapper(rules);
  }

  /** The principal name for a distinguished name (RFC 2253), or NoMatchingRule. */
  getName(dn: string): string {
    for (const r of this.rules) {
      if (r.kind === 'default') return dn;
      if (!r.whole.test(dn)) continue;
      let out = dn.replace(r.pattern, r.replacement);
      if (r.caseFold === 'L') out = out.toLowerCase();
      else if (r.caseFold === 'U') out = out.toUpperCase();
      return out;
    }
    throw new NoMatchingRule(`No rules apply to ${dn}`);
  }
}

function splitRules(text: string): string[] {
  const out: string[] = [];
  const t = text.trim();
  SPLITTER.lastIndex = 0;
  while (SPLITTER.lastIndex < t.length) {
    const m = SPLITTER.exec(t);
    if (!m || m[0] === '') break;
    if (m[1] !== '') out.push(m[1]);
  }
  if (SPLITTER.lastIndex < t.length && t.slice(SPLITTER.lastIndex).trim() !== '') out.push(t.slice(SPLITTER.lastIndex));
  return out;
}

function groupCount(re: RegExp): number {
  return new RegExp(`${re.source}|`).exec('')!.length - 1;
}

/**
 * Java's replacement syntax in JavaScript's: `$n` a group (a reference past the last group is
 * shortened digit by digit, then kept literal, as Kafka does), `\x` the character x, `$` on its
 * own literal.
 */
function javaReplacement(java: string, groups: number): string {
  let out = '';
  for (let i = 0; i < java.length; i++) {
    const c = java[i];
    if (c === '\\' && i + 1 < java.length) {
      const next = java[++i];
      out += next === '$' ? '$$' : next;
    } else if (c === '$') {
      const digits = /^\d+/.exec(java.slice(i + 1))?.[0];
      if (!digits) {
        out += '$$';
        continue;
      }
      let n = digits;
      while (Number(n) > groups && n.length > 1) n = n.slice(0, -1);
      if (Number(n) > groups) out += '$$' + n;
      // Two-digit $nn so that a literal digit after the reference is not read as part of it.
      else out += n === '0' ? '$&' : `$${n.padStart(2, '0')}`;
      i += n.length;
    } else out += c;
  }
  return out;
}
