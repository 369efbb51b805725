/**
 * Summarises V8 .cpuprofile files (node --cpu-prof): the functions with the most self time, then
 * self time per source file, then the total (inclusive) time of a few functions worth watching.
 *   npx tsx bench/cpuprofile-top.ts <file.cpuprofile> [...more] [--top 30] [--grep name] [--callers fn]
 * --callers fn: the stacks (up to 6 frames) under which `fn` spends its self time.
 */
import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const args = process.argv.slice(2);
const topIdx = args.indexOf('--top');
const top = topIdx >= 0 ? Number(args.splice(topIdx, 2)[1]) : 30;
const grepIdx = args.indexOf('--grep');
const grep = grepIdx >= 0 ? args.splice(grepIdx, 2)[1] : undefined;
const callersIdx = args.indexOf('--callers');
const callersOf = callersIdx >= 0 ? args.splice(callersIdx, 2)[1] : undefined;
const callerStacks = new Map<string, number>();
if (args.length === 0) {
  console.error('usage: cpuprofile-top.ts <file.cpuprofile> [...] [--top N] [--grep name]');
  process.exit(1);
}

const short = (url: string): string => {
  if (!url) return '(native)';
  const u = url.replace(/^file:\/\//, '');
  const i = u.indexOf('/src/');
  if (i >= 0) return u.slice(i + 1);
  const nm = u.lastIndexOf('node_modules/');
  if (nm >= 0) return u.slice(nm);
  return u.replace(/^node:/, 'node:');
};
const label = (f: CallFrame): string => `${f.functionName || '(anonymous)'} ${short(f.url)}${f.url ? `:${f.lineNumber + 1}` : ''}`;

const self = new Map<string, number>();
const byFile = new Map<string, number>();
const inclusive = new Map<string, number>();
let total = 0;
let idle = 0;

for (const file of args) {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const hits = new Map<number, number>(); // node id -> µs
  for (let i = 0; i < p.samples.length; i++) hits.set(p.samples[i], (hits.get(p.samples[i]) ?? 0) + (p.timeDeltas[i] ?? 0));
  for (const [id, us] of hits) {
    const n = byId.get(id)!;
    const f = n.callFrame;
    total += us;
    if (f.functionName === '(idle)') {
      idle += us;
      continue;
    }
    const l = label(f);
    if (callersOf && f.functionName === callersOf) {
      const stack: string[] = [];
      for (let cur = parent.get(id); cur !== undefined && stack.length < 6; cur = parent.get(cur)) stack.push(label(byId.get(cur)!.callFrame));
      const key = stack.join(' < ');
      callerStacks.set(key, (callerStacks.get(key) ?? 0) + us);
    }
    self.set(l, (self.get(l) ?? 0) + us);
    const fileKey = f.url ? short(f.url) : f.functionName;
    byFile.set(fileKey, (byFile.get(fileKey) ?? 0) + us);
    // Inclusive: every distinct frame on the stack once.
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const cl = label(byId.get(cur)!.callFrame);
      if (seen.has(cl)) continue;
      seen.add(cl);
      inclusive.set(cl, (inclusive.get(cl) ?? 0) + us);
    }
  }
}

const busy = total - idle;
if (callersOf) {
  console.log(`self time of ${callersOf} by caller stack:`);
  for (const [k, us] of [...callerStacks].sort((a, b) => b[1] - a[1]).slice(0, 10)) console.log(`${(us / 1000).toFixed(0).padStart(7)} ms  ${k}`);
  process.exit(0);
}
const pct = (us: number, of = busy): string => `${((us / of) * 100).toFixed(1).padStart(5)} %`;
const ms = (us: number): string => `${(us / 1000).toFixed(0).padStart(7)} ms`;
console.log(`profiled ${ms(total)} in ${args.length} file(s): busy ${ms(busy)}, idle ${ms(idle)} (percentages below are of busy time)\n`);
console.log(`top ${top} by self time:`);
for (const [l, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${ms(us)} ${pct(us)}  ${l}`);
console.log(`\nself time by file:`);
for (const [l, us] of [...byFile].sort((a, b) => b[1] - a[1]).slice(0, 20)) console.log(`${ms(us)} ${pct(us)}  ${l}`);
console.log(`\ntop ${top} by inclusive time (src/ and bench/ only${grep ? `, matching ${grep}` : ''}):`);
for (const [l, us] of [...inclusive]
  .filter(([l]) => (grep ? l.includes(grep) : / src\/| bench\//.test(l)))
  .sort((a, b) => b[1] - a[1])
  .slice(0, top))
  console.log(`${ms(us)} ${pct(us)}  ${l}`);
