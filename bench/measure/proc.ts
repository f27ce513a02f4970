/**
 * Reading a process from the outside through /proc (Linux only), so the host, the baseline and
 * the fleet are measured by the same code and none of them measures itself.
 *
 * - CPU: utime + stime (fields 14 and 15 of /proc/<pid>/stat, in clock ticks). All threads of the
 *   process are included, which is what we want: the host's work is spread over worker threads.
 * - Memory: VmRSS (now) and VmHWM (peak RSS since start) from /proc/<pid>/status, in kB.
 * - Per thread: /proc/<pid>/task/<tid>/stat, for finding *which* thread burns the CPU.
 * - Machine: the first line of /proc/stat, to see how busy the whole machine was (other engineers'
 *   tests share these 2 cores; a window with heavy outside load is flagged in the results).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';

let clkTck: number | undefined;

/** Clock ticks per second (`getconf CLK_TCK`, 100 on every Linux we run on). */
export function clockTicksPerSecond(): number {
  if (clkTck === undefined) {
    const out = execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim();
    const n = Number(out);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`getconf CLK_TCK gave ${JSON.stringify(out)}`);
    clkTck = n;
  }
  return clkTck;
}

export interface StatFields {
  readonly comm: string;
  readonly state: string;
  /** User and system CPU in clock ticks. */
  readonly utime: number;
  readonly stime: number;
  readonly numThreads: number;
}

/**
 * Parses one /proc/<pid>/stat (or task stat) line. `comm` is in parentheses and may itself contain
 * spaces and ")", so fields are counted from the *last* ")".
 */
export function parseStat(line: string): StatFields {
  const open = line.indexOf('(');
  const close = line.lastIndexOf(')');
  if (open < 0 || close < open) throw new Error(`not a /proc stat line: ${line.slice(0, 80)}`);
  const rest = line
    .slice(close + 2)
    .trim()
    .split(/\s+/);
  // rest[0] is field 3 (state); field k is rest[k - 3].
  const field = (k: number): number => Number(rest[k - 3]);
  return { comm: line.slice(open + 1, close), state: rest[0]!, utime: field(14), stime: field(15), numThreads: field(20) };
}

export function readStat(pid: number): StatFields {
  return parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
}

/** CPU time of the process so far, in seconds (all threads). */
export function cpuSeconds(pid: number): number {
  const s = readStat(pid);
  return (s.utime + s.stime) / clockTicksPerSecond();
}

export interface MemoryFields {
  /** Resident set now, bytes. */
  readonly rss: number;
  /** Peak resident set since the process started, bytes. */
  readonly hwm: number;
  readonly threads: number;
}

/** Parses /proc/<pid>/status text: VmRSS, VmHWM (kB lines) and Threads. */
export function parseStatus(text: string): MemoryFields {
  const kb = (key: string): number => {
    const m = new RegExp(`^${key}:\\s+(\\d+)\\s+kB`, 'm').exec(text);
    if (!m) throw new Error(`no ${key} in /proc status`);
    return Number(m[1]) * 1024;
  };
  const threads = /^Threads:\s+(\d+)/m.exec(text);
  return { rss: kb('VmRSS'), hwm: kb('VmHWM'), threads: threads ? Number(threads[1]) : Number.NaN };
}

export function readMemory(pid: number): MemoryFields {
  return parseStatus(readFileSync(`/proc/${pid}/status`, 'utf8'));
}

/** Ticks per thread: tid → { name, ticks }. Threads that exit between list and read are skipped. */
export function threadTicks(pid: number): Map<number, { name: string; ticks: number }> {
  const out = new Map<number, { name: string; ticks: number }>();
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      const s = parseStat(readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8'));
      out.set(Number(tid), { name: s.comm, ticks: s.utime + s.stime });
    } catch {
      // the thread ended: nothing to count
    }
  }
  return out;
}

export interface MachineTicks {
  /** All non-idle ticks (user, nice, system, irq, softirq, steal), summed over CPUs. */
  readonly busy: number;
  readonly total: number;
}

/** Parses the aggregate `cpu` line of /proc/stat. */
export function parseMachineStat(text: string): MachineTicks {
  const line = text.split('\n', 1)[0]!;
  if (!line.startsWith('cpu ')) throw new Error('no aggregate cpu line in /proc/stat');
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number) as number[];
  const busy = user! + nice! + system! + irq! + softirq! + (steal ?? 0);
  return { busy, total: busy + idle! + iowait! };
}

export function readMachine(): MachineTicks {
  return parseMachineStat(readFileSync('/proc/stat', 'utf8'));
}

/** Open-file limit of this process (soft), from /proc/self/limits. */
export function openFileLimit(pid: number | 'self' = 'self'): number {
  const m = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync(`/proc/${pid}/limits`, 'utf8'));
  if (!m) return Number.NaN;
  return m[1] === 'unlimited' ? Number.POSITIVE_INFINITY : Number(m[1]);
}
