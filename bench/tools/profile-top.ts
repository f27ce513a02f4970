/**
 * Where did a thread's CPU go? Summarises V8 `.cpuprofile` files (from `npm run bench -- --prof`,
 * one per thread) by self time per function and by source file, so a missed target can be traced
 * to code without opening DevTools.
 *
 *   node --import tsx bench/tools/profile-top.ts bench/results/work/prof/*.cpuprofile [--top 25] [--skip-ms 15000]
 *
 * `--skip-ms` leaves out each thread's first milliseconds (start-up and warm-up).
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}
interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface Summary {
  readonly wallMs: number;
  /** Sampled time not in (idle) or (program), ms. */
  readonly busyMs: number;
  readonly byFunction: readonly [string, number][];
  readonly byFile: readonly [string, number][];
}

const short = (url: string): string =>
  url
    .replace(/^file:\/\//, '')
    .replace(/^.*\/node_modules\//, 'node_modules/')
    .replace(/^.*\/(dist|src)\//, '$1/');

export function summarise(p: Profile, skipMs = 0): Summary {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  let at = 0;
  for (let i = 0; i < p.samples.length; i++) {
    at += p.timeDeltas[i] ?? 0;
    if (at < skipMs * 1000) continue;
    self.set(p.samples[i]!, (self.get(p.samples[i]!) ?? 0) + (p.timeDeltas[i] ?? 0));
  }
  const fn = new Map<string, number>();
  const file = new Map<string, number>();
  let busy = 0;
  for (const [id, us] of self) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    if (functionName === '(idle)' || functionName === '(program)') continue;
    busy += us;
    const where = url ? `${short(url)}:${lineNumber + 1}` : '';
    const key = `${functionName || '(anonymous)'} ${where}`.trim();
    fn.set(key, (fn.get(key) ?? 0) + us);
    const f = url ? short(url) : functionName;
    file.set(f, (file.get(f) ?? 0) + us);
  }
  const top = (m: Map<string, number>): [string, number][] => [...m].sort((a, b) => b[1] - a[1]).map(([k, us]) => [k, us / 1000]);
  return { wallMs: Math.max(0, (p.endTime - p.startTime) / 1000 - skipMs), busyMs: busy / 1000, byFunction: top(fn), byFile: top(file) };
}

if (process.argv[1] && import.meta.url.endsWith(basename(process.argv[1]))) {
  const { values, positionals } = parseArgs({
    options: { top: { type: 'string', default: '20' }, 'skip-ms': { type: 'string', default: '0' } },
    allowPositionals: true,
  });
  const n = Number(values.top);
  for (const path of positionals) {
    const s = summarise(JSON.parse(readFileSync(path, 'utf8')) as Profile, Number(values['skip-ms']));
    console.log(`\n${basename(path)}: busy ${s.busyMs.toFixed(0)} ms of ${s.wallMs.toFixed(0)} ms (${((s.busyMs / s.wallMs) * 100).toFixed(1)}%)`);
    console.log('  by file:');
    for (const [k, ms] of s.byFile.slice(0, 10)) console.log(`    ${((ms / s.busyMs) * 100).toFixed(1).padStart(5)}%  ${k}`);
    console.log('  by function (self):');
    for (const [k, ms] of s.byFunction.slice(0, n)) console.log(`    ${((ms / s.busyMs) * 100).toFixed(1).padStart(5)}%  ${k}`);
  }
}
