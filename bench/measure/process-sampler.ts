/**
 * Samples one process from /proc every 500 ms: RSS for the mean and peak, CPU ticks for the
 * window's average. `mark()` starts the measured window (warm-up samples are discarded);
 * `finish()` ends it and returns the window's figures, including a per-thread CPU breakdown so a
 * missed CPU target can be traced to the thread that spent it.
 */
import { cpus } from 'node:os';
import { clockTicksPerSecond, readMachine, readMemory, readStat, threadTicks, type MachineTicks } from './proc.js';
import { max, mean } from './stats.js';

export const SAMPLE_EVERY_MS = 500;

export interface ThreadCpu {
  readonly name: string;
  readonly tid: number;
  /** % of one core over the window. */
  readonly cpuPct: number;
}

export interface ProcessWindow {
  readonly pid: number;
  readonly seconds: number;
  /** CPU over the window as % of one core (100 = one core busy). */
  readonly cpuPct: number;
  readonly rssMeanMB: number;
  readonly rssPeakMB: number;
  /** VmHWM at the end of the window: the peak RSS since the process started (warm-up included). */
  readonly hwmMB: number;
  readonly threads: number;
  /** Threads that used at least 0.5% of a core, busiest first. */
  readonly topThreads: readonly ThreadCpu[];
}

const MB = 1024 * 1024;

export class ProcessSampler {
  readonly #pid: number;
  readonly #timer: NodeJS.Timeout;
  #rss: number[] = [];
  #t0 = 0;
  #ticks0 = 0;
  #threads0 = new Map<number, { name: string; ticks: number }>();
  #alive = true;

  constructor(pid: number) {
    this.#pid = pid;
    this.mark();
    this.#timer = setInterval(() => this.#sample(), SAMPLE_EVERY_MS);
    this.#timer.unref();
  }

  /** Starts (or restarts) the measured window now. */
  mark(): void {
    this.#rss = [];
    this.#t0 = performance.now();
    try {
      const s = readStat(this.#pid);
      this.#ticks0 = s.utime + s.stime;
      this.#threads0 = threadTicks(this.#pid);
      this.#sample();
    } catch {
      this.#alive = false;
    }
  }

  #sample(): void {
    if (!this.#alive) return;
    try {
      this.#rss.push(readMemory(this.#pid).rss);
    } catch {
      this.#alive = false; // the process exited; finish() reports what was seen
    }
  }

  /** Ends the window. Must be called while the process is still alive. */
  finish(): ProcessWindow {
    clearInterval(this.#timer);
    this.#sample();
    const seconds = (performance.now() - this.#t0) / 1000;
    const hz = clockTicksPerSecond();
    const s = readStat(this.#pid);
    const mem = readMemory(this.#pid);
    const threads1 = threadTicks(this.#pid);
    const topThreads: ThreadCpu[] = [];
    for (const [tid, t] of threads1) {
      const before = this.#threads0.get(tid)?.ticks ?? 0;
      const cpuPct = ((t.ticks - before) / hz / seconds) * 100;
      if (cpuPct >= 0.5) topThreads.push({ tid, name: t.name, cpuPct });
    }
    topThreads.sort((a, b) => b.cpuPct - a.cpuPct);
    return {
      pid: this.#pid,
      seconds,
      cpuPct: ((s.utime + s.stime - this.#ticks0) / hz / seconds) * 100,
      rssMeanMB: mean(this.#rss) / MB,
      rssPeakMB: max(this.#rss) / MB,
      hwmMB: mem.hwm / MB,
      threads: mem.threads,
      topThreads,
    };
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}

/** Whole-machine CPU over a window, as % of one core (2 cores fully busy = 200). */
export class MachineSampler {
  #t0: MachineTicks = readMachine();

  mark(): void {
    this.#t0 = readMachine();
  }

  /** Busy % of one core, and the number of cores the ticks came from. */
  finish(): { busyPct: number } {
    const t1 = readMachine();
    const total = t1.total - this.#t0.total;
    // The aggregate line sums every CPU; its busy share times the CPU count is "% of one core".
    const cores = Math.max(1, cpus().length);
    return { busyPct: total > 0 ? ((t1.busy - this.#t0.busy) / total) * 100 * cores : Number.NaN };
  }
}

/** Several processes measured as one (a fleet split over processes): CPU and memory are summed. */
export class ProcessGroupSampler {
  readonly #samplers: ProcessSampler[];

  constructor(pids: readonly number[]) {
    this.#samplers = pids.map((pid) => new ProcessSampler(pid));
  }

  mark(): void {
    for (const s of this.#samplers) s.mark();
  }

  finish(): ProcessWindow {
    const w = this.#samplers.map((s) => s.finish());
    const sum = (k: 'cpuPct' | 'rssMeanMB' | 'rssPeakMB' | 'hwmMB' | 'threads'): number => w.reduce((a, x) => a + x[k], 0);
    return {
      pid: w[0]!.pid,
      seconds: w[0]!.seconds,
      cpuPct: sum('cpuPct'),
      rssMeanMB: sum('rssMeanMB'),
      // The sum of peaks bounds the peak of the sum from above.
      rssPeakMB: sum('rssPeakMB'),
      hwmMB: sum('hwmMB'),
      threads: sum('threads'),
      topThreads: w.flatMap((x) => x.topThreads).sort((a, b) => b.cpuPct - a.cpuPct),
    };
  }

  stop(): void {
    for (const s of this.#samplers) s.stop();
  }
}
