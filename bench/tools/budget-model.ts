/**
 * The pure part of the memory budget (bench/tools/budget.ts): splitting /proc/<pid>/smaps into
 * kinds of memory, and one thread's V8 heap statistics into live data, slack, code and new space.
 */

export interface SmapsBudget {
  /** Mapped files: the node binary, shared libraries, ICU data. */
  readonly fileMB: number;
  /** Thread stacks: anonymous mappings right after a no-access guard page, and `[stack]`. */
  readonly stacksMB: number;
  /** glibc malloc: `[heap]` and the 64 MB-aligned arenas of other threads. */
  readonly mallocMB: number;
  /** Every other anonymous mapping: V8's heaps and code, their metadata, other native memory. */
  readonly otherAnonMB: number;
}

interface Mapping {
  readonly start: bigint;
  readonly end: bigint;
  readonly perms: string;
  readonly path: string;
  rssKb: number;
}

const HEADER = /^([0-9a-f]+)-([0-9a-f]+)\s+(\S{4})\s+\S+\s+\S+\s+\d+\s*(.*)$/;
const ARENA_ALIGN = 64n * 1024n * 1024n;

export function parseSmaps(text: string): Mapping[] {
  const out: Mapping[] = [];
  for (const line of text.split('\n')) {
    const h = HEADER.exec(line);
    if (h) {
      out.push({ start: BigInt(`0x${h[1]}`), end: BigInt(`0x${h[2]}`), perms: h[3]!, path: h[4]!.trim(), rssKb: 0 });
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss && out.length > 0) out[out.length - 1]!.rssKb = Number(rss[1]);
  }
  return out;
}

export function classifySmaps(text: string): SmapsBudget {
  const maps = parseSmaps(text);
  let file = 0;
  let stacks = 0;
  let malloc = 0;
  let other = 0;
  for (let i = 0; i < maps.length; i++) {
    const m = maps[i]!;
    const prev = maps[i - 1];
    if (m.path.startsWith('/')) file += m.rssKb;
    else if (m.path === '[stack]') stacks += m.rssKb;
    else if (m.path === '[heap]') malloc += m.rssKb;
    else if (m.path.startsWith('['))
      other += m.rssKb; // vdso, vvar
    // A thread stack sits right above its guard page (glibc: one mmap, the low end made no-access).
    else if (prev && prev.perms.startsWith('---') && prev.end === m.start && prev.end - prev.start <= 64n * 1024n && !(prev.start % ARENA_ALIGN === 0n))
      stacks += m.rssKb;
    // A malloc arena is a 64 MB-aligned reservation whose used part is read-write.
    else if (m.start % ARENA_ALIGN === 0n && m.perms.startsWith('rw')) malloc += m.rssKb;
    else other += m.rssKb;
  }
  const mb = (kb: number): number => kb / 1024;
  return { fileMB: mb(file), stacksMB: mb(stacks), mallocMB: mb(malloc), otherAnonMB: mb(other) };
}

/** What heap-report.mjs writes: node:v8's statistics of one thread. */
export interface ThreadHeap {
  readonly threadId: number;
  readonly tid: number;
  readonly role: string;
  readonly heap: {
    readonly total_heap_size: number;
    readonly used_heap_size: number;
    readonly total_physical_size: number;
    readonly external_memory?: number;
    readonly malloced_memory: number;
  };
  readonly spaces: readonly {
    readonly space_name: string;
    readonly space_size: number;
    readonly space_used_size: number;
    readonly physical_space_size: number;
  }[];
  readonly code: { readonly code_and_metadata_size: number; readonly bytecode_and_metadata_size: number };
}

export interface HeapBudget {
  readonly threadId: number;
  readonly tid: number;
  readonly role: string;
  /** Physical size of every V8 space of the thread. */
  readonly committedMB: number;
  /** Objects in those spaces (live data plus garbage not yet collected). */
  readonly usedMB: number;
  /** Committed but not used: what the collector keeps ready between collections. */
  readonly slackMB: number;
  /** New space committed (both semi-spaces), part of committed. */
  readonly newSpaceMB: number;
  /** Compiled code and bytecode with their metadata, part of used. */
  readonly codeMB: number;
  /** Buffers outside the heap that V8 accounts to the thread. */
  readonly externalMB: number;
  /** V8's own malloc'd memory (outside the spaces). */
  readonly mallocedMB: number;
}

const MB = 1024 * 1024;

export function heapBudget(t: ThreadHeap): HeapBudget {
  const committed = t.spaces.reduce((a, s) => a + s.physical_space_size, 0);
  const used = t.spaces.reduce((a, s) => a + s.space_used_size, 0);
  const newSpace = t.spaces.filter((s) => s.space_name === 'new_space').reduce((a, s) => a + s.physical_space_size, 0);
  return {
    threadId: t.threadId,
    tid: t.tid,
    role: t.role,
    committedMB: committed / MB,
    usedMB: used / MB,
    slackMB: Math.max(0, committed - used) / MB,
    newSpaceMB: newSpace / MB,
    codeMB: (t.code.code_and_metadata_size + t.code.bytecode_and_metadata_size) / MB,
    externalMB: (t.heap.external_memory ?? 0) / MB,
    mallocedMB: t.heap.malloced_memory / MB,
  };
}

/** CPU per role: a thread with a V8 heap report is named by it, every other thread is V8's or libuv's helper. */
export function cpuByRole(threads: readonly { tid: number; pct: number }[], heaps: readonly { tid: number; role: string }[]): Record<string, number> {
  const roleOf = new Map(heaps.map((h) => [h.tid, h.role]));
  const out: Record<string, number> = {};
  for (const t of threads) {
    const role = roleOf.get(t.tid) ?? 'helpers';
    out[role] = (out[role] ?? 0) + t.pct;
  }
  return out;
}

/** Context switches a thread made (`/proc/<pid>/task/<tid>/status`): voluntary ones are its wake-ups from a wait. */
export function parseSwitches(status: string): { voluntary: number; involuntary: number } {
  const v = /^voluntary_ctxt_switches:\s+(\d+)/m.exec(status);
  const n = /^nonvoluntary_ctxt_switches:\s+(\d+)/m.exec(status);
  return { voluntary: Number(v?.[1] ?? Number.NaN), involuntary: Number(n?.[1] ?? Number.NaN) };
}
