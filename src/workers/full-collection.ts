/**
 * A full garbage collection on demand, for a thread that has finished a burst of work and then
 * idles. V8 collects only while a thread allocates, so an idle thread keeps the burst's garbage,
 * and the external buffers that garbage references, resident until its next burst.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let collect: (() => void) | undefined;

function exposedGc(): () => void {
  const own = (globalThis as { gc?: () => void }).gc;
  if (typeof own === 'function') return own;
  // V8 gives `gc` only to contexts created while --expose-gc is set: set it for one new context,
  // then unset it so that no other thread's context gets it.
  setFlagsFromString('--expose-gc');
  try {
    return runInNewContext('gc') as () => void;
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
}

export function collectGarbage(): void {
  collect ??= exposedGc();
  collect();
}
