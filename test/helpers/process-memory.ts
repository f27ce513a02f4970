/**
 * What a running process costs and reports, read from outside: its RSS (/proc) and one series of
 * its `GET /metrics`. For the host started by host-process.ts.
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** Resident set size of `pid` in bytes (0 once it is gone). */
export function rss(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m === null ? 0 : Number(m[1]) * 1024;
  } catch {
    return 0;
  }
}

/** The RSS of `pid` once it has stopped moving (less than 2 MB over 3 s), waiting at most `maxMs`. */
export async function settledRss(pid: number, maxMs = 60_000): Promise<number> {
  const samples: number[] = [];
  const deadline = Date.now() + maxMs;
  for (;;) {
    samples.push(rss(pid));
    const last = samples.slice(-7);
    if (last.length === 7 && Math.max(...last) - Math.min(...last) < 2 * 1048576) return last[last.length - 1]!;
    if (Date.now() > deadline) return samples[samples.length - 1]!;
    await sleep(500);
  }
}

/** The value of an unlabelled series in `GET <url>/metrics`, or undefined. */
export async function metric(url: string, name: string): Promise<number | undefined> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  return m === null ? undefined : Number(m[1]);
}
