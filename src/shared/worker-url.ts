/**
 * Where a worker entry lives. Built code (dist/*.js) points at the sibling .js file. Under tsx
 * (tests and `npx tsx`), the same code runs from src/*.ts, and a raw Worker or a piscina pool
 * starts through the bootstrap in scripts/ (see its comment).
 */
import { fileURLToPath } from 'node:url';

const runningFromSource = import.meta.url.endsWith('.ts');
const ext = runningFromSource ? '.ts' : '.js';

/** The file of `src/workers/<name>` as a URL, in whichever form this process runs. */
export function workerEntry(name: string): URL {
  return new URL(`../workers/${name}${ext}`, import.meta.url);
}

/**
 * What to hand `new Worker(...)` or piscina for a worker: the entry itself when built, or the tsx
 * bootstrap with the entry in `workerData.__entry` when running from source.
 */
export function workerTarget(name: string): { file: URL; extraWorkerData: Record<string, string> } {
  const entry = workerEntry(name);
  if (!runningFromSource) return { file: entry, extraWorkerData: {} };
  return {
    file: new URL('../../scripts/ts-worker-bootstrap.mjs', import.meta.url),
    extraWorkerData: { __entry: entry.href },
  };
}

export function workerPath(name: string): string {
  return fileURLToPath(workerEntry(name));
}
