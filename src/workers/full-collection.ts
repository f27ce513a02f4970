/**
 * A full garbage collection on demand, for a thread that has finished a burst of work and then
 * idles. V8 collects only while a thread allocates, so an idle thread keeps the burst's garbage,
 * and the external buffers that garbage references, resident until its next burst.
 *
 * It is V8's "last resort" collection, the one it runs before giving up on memory: besides the
 * garbage it gives back the young generation and the free pages V8 would keep for reuse. Node 20's
 * V8 (11.3) has no such collection, and with these options it runs one that left most garbage in
 * place: there it is a plain `gc()`.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

interface GcOptions {
  readonly type: 'major';
  readonly execution: 'sync';
  readonly flavor: 'last-resort';
}
type Gc = (options?: GcOptions) => void;

const LAST_RESORT: GcOptions = { type: 'major', execution: 'sync', flavor: 'last-resort' };
const takesOptions = Number(process.versions.v8.split('.')[0]) >= 12;

let collect: Gc | undefined;

function exposedGc(): Gc {
  const own = (globalThis as { gc?: Gc }).gc;
  if (typeof own === 'function') return own;
  // V8 gives `gc` only to contexts created while --expose-gc is set: set it for one new context,
  // then unset it so that no other thread's context gets it.
  setFlagsFromString('--expose-gc');
  try {
    return runInNewContext('gc') as Gc;
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
}

export function collectGarbage(): void {
  collect ??= exposedGc();
  if (takesOptions) collect(LAST_RESORT);
  else collect();
}
