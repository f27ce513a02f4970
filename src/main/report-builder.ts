/**
 * Builds the host's merged report from the shards' snapshots on a piscina thread (see
 * src/workers/report-task.ts for why). One small pool: the work is bursty (an API request, a
 * publish every few seconds), so one thread that idles in between is enough, and its CPU does not
 * compete with the shards more than the burst needs. A build of up to a few hundred plugins'
 * reports runs on the calling thread instead, in slices between which its event loop goes on: a
 * host of that size then never pays for the builder's thread and heap.
 */
import { setImmediate } from 'node:timers/promises';
import type { Worker } from 'node:worker_threads';
import type { Piscina } from 'piscina';
import { backgroundPool } from '../shared/background-pool.js';
import { finishBuild, mergePluginReports } from '../shared/report/build-report.js';
import type { Report } from '../shared/report/index.js';
import { eachGroup, transferablesOf, type PackedParts } from '../shared/parts.js';
import type { ReportTask, ReportTaskResult } from '../shared/protocol.js';

/** What a build was for: `GET /api/report`, a periodic publication, or a shortcut report. */
export type BuildPurpose = 'api' | 'publish' | 'shortcut';

export interface BuildObserver {
  /** One build finished (or failed): its wall time, queueing and (on main) the work between its slices included. */
  reportBuild(purpose: BuildPurpose, seconds: number, ok: boolean): void;
}

export interface HeapLimitEvent {
  /** The limit the builder thread now runs with, MB; null: V8's default. */
  readonly maxOldGenerationSizeMb: number | null;
  /** Its young generation, MB. */
  readonly maxYoungGenerationSizeMb: number;
  /** Bytes of plugin reports in the build that asked for it. */
  readonly inputBytes: number;
  readonly reason: 'grown' | 'out of memory';
}

export interface ReportBuilderOptions {
  /** The builder thread's CPU priority (config `backgroundNice`, src/workers/thread-priority.ts). */
  readonly nice: number;
  /** For tests: the old-generation limit for a build of that many input bytes (default `builderHeapLimitMb`). */
  readonly heapLimitMb?: (mergedBytes: number) => number;
  /** Told when the builder thread's heap limit changes (the service logs it). */
  readonly onHeapLimit?: (event: HeapLimitEvent) => void;
  /** Told how long each build took (metrics). */
  readonly observer?: BuildObserver;
  /** Builds of at most this many bytes of plugin reports run on the calling thread (default INLINE_BUILD_MAX_BYTES; 0: never). */
  readonly inlineMaxBytes?: number;
  /** How long such a build holds the calling thread before it lets other work run (default BUILD_SLICE_MS; 0: after every plugin). */
  readonly sliceMs?: number;
}

const MB = 1024 * 1024;

/**
 * ≈ 250 plugins of 2 KB with a publish's 4 polls each. Built on main in slices, such a build
 * holds main no longer than its last step, a fraction of the whole, and a host of that size does
 * without the builder thread's heap, stack and malloc arena (docs/decisions/088-builds-on-main-in-slices.md).
 */
export const INLINE_BUILD_MAX_BYTES = 2 * MB;

/** A build on the calling thread yields to its event loop after this long. */
export const BUILD_SLICE_MS = 2;

/**
 * A build on the calling thread: the per-plugin merges (most of the work) in slices of `sliceMs`,
 * each followed by a turn of the event loop, so that API requests, clicks and discovery wait for a
 * slice (or one plugin's merge, when that is longer) rather than the whole build; then the big
 * merge, encoding and gzip in one go.
 */
async function buildInSlices(task: ReportTask, sliceMs: number): Promise<Uint8Array> {
  const perPlugin: Report[] = [];
  let sliceEnd = performance.now() + sliceMs;
  for (const group of eachGroup(task.parts)) {
    perPlugin.push(mergePluginReports(group));
    if (performance.now() >= sliceEnd) {
      await setImmediate();
      sliceEnd = performance.now() + sliceMs;
    }
  }
  return finishBuild(perPlugin, task);
}

/**
 * The builder thread's old-generation limit, MB, for a build of `inputBytes` of plugin reports, one
 * per plugin (`mergedBytes` says what a build of several reports per plugin counts as).
 *
 * It is there to shape the heap, not to cap the build: V8 lets the old generation grow to 4x its
 * live size between mark-compacts when the limit is 2 GB or more (its default here is 4.3 GB), and
 * 1.3-2x below that, and most of what a build allocates is garbage (parsed JSON, encoder parts),
 * several times what it keeps. At its peak a build keeps ≈ 3.7x its input. The limit is 1 GB, or
 * 256 MB plus 22x the input (6x that peak) when more, rounded up to a power of two so that the
 * thread is replaced only when the need doubles. The measurements behind these numbers:
 * docs/decisions/062-thread-heap-shapes.md.
 */
export function builderHeapLimitMb(inputBytes: number): number {
  const need = Math.max(1024, 256 + Math.ceil((22 * inputBytes) / MB));
  return 2 ** Math.ceil(Math.log2(need));
}

/**
 * What a build keeps is one merged report per plugin, whatever the number of reports it merged
 * into it (src/shared/report/build-report.ts): so it counts as its input's bytes shared out by
 * plugin, one report each.
 */
export function mergedBytes(parts: readonly PackedParts[]): number {
  let bytes = 0;
  let reports = 0;
  let plugins = 0;
  for (const p of parts) {
    bytes += p.bytes.byteLength;
    reports += p.ends.length;
    plugins += p.groupEnds.length;
  }
  return reports === 0 ? 0 : Math.round((bytes * plugins) / reports);
}

/** Builds of at most this many bytes of plugin reports run with the smaller young generation. */
export const SMALL_BUILD_MAX_BYTES = 8 * MB;

/**
 * The builder thread's young generation, MB, for a build of `inputBytes`. V8's default (on Node 24,
 * up to 128 MB) stays committed between builds. Most of a build's garbage is one plugin's parsed
 * reports, dead once merged: a build of a few MB runs as fast in 8 MB. A larger one promotes more
 * in 16 MB and pays for it in CPU, which costs less than a larger new space committed between
 * publishes (docs/decisions/087-builder-young-generation.md).
 */
export function builderYoungGenerationMb(inputBytes: number): number {
  return inputBytes <= SMALL_BUILD_MAX_BYTES ? 8 : 16;
}

export class ReportBuilder {
  readonly #options: ReportBuilderOptions;
  readonly #limitFor: (mergedBytes: number) => number;
  #pool: Piscina;
  /** The current thread's limit; null once a build ran out of memory (V8's default from then on). */
  #limitMb: number | null;
  /** The current thread's young generation (builderYoungGenerationMb); it never shrinks. */
  #youngMb = builderYoungGenerationMb(0);

  constructor(options: ReportBuilderOptions = { nice: 0 }) {
    this.#options = options;
    this.#limitFor = options.heapLimitMb ?? builderHeapLimitMb;
    this.#limitMb = this.#limitFor(0);
    this.#pool = this.#newPool(this.#limitMb);
  }

  /** The merged report as JSON bytes. `parts` are moved to the builder thread: the caller must not use them afterwards. */
  async json(parts: readonly PackedParts[], stamp: Omit<ReportTask, 'parts' | 'gzip'>): Promise<Buffer> {
    return asBuffer(await this.#run('api', { ...stamp, parts, gzip: false }));
  }

  /** `parts` are moved to the builder thread: the caller must not use them afterwards. */
  async gzipped(parts: readonly PackedParts[], stamp: Omit<ReportTask, 'parts' | 'gzip'>): Promise<Buffer> {
    return asBuffer(await this.#run(stamp.shortcut === true ? 'shortcut' : 'publish', { ...stamp, parts, gzip: true }));
  }

  async #run(purpose: BuildPurpose, task: ReportTask): Promise<ReportTaskResult> {
    const started = performance.now();
    const inputBytes = task.parts.reduce((sum, p) => sum + p.bytes.byteLength, 0);
    if (inputBytes <= (this.#options.inlineMaxBytes ?? INLINE_BUILD_MAX_BYTES)) {
      let ok = false;
      try {
        const result = await buildInSlices(task, this.#options.sliceMs ?? BUILD_SLICE_MS);
        ok = true;
        return result;
      } finally {
        this.#options.observer?.reportBuild(purpose, (performance.now() - started) / 1000, ok);
      }
    }
    this.#fitHeap(inputBytes, mergedBytes(task.parts));
    const pool = this.#pool;
    let ok = false;
    try {
      const result = (await pool.run(task, { transferList: transferablesOf(task.parts) })) as ReportTaskResult;
      ok = true;
      return result;
    } catch (err) {
      // The parts were moved to the thread that died, so this build is lost; the next one runs
      // without a limit. Only a report far off the measured shapes gets here (see builderHeapLimitMb).
      if ((err as { code?: unknown }).code === 'ERR_WORKER_OUT_OF_MEMORY' && pool === this.#pool && this.#limitMb !== null) {
        this.#replacePool(null, inputBytes, 'out of memory');
      }
      throw err;
    } finally {
      this.#options.observer?.reportBuild(purpose, (performance.now() - started) / 1000, ok);
    }
  }

  /** Replaces the thread when this build needs a higher limit or a larger young generation than it has; never shrinks them. */
  #fitHeap(inputBytes: number, merged: number): void {
    if (this.#limitMb === null) return;
    const need = this.#limitFor(merged);
    const young = Math.max(this.#youngMb, builderYoungGenerationMb(inputBytes));
    if (need > this.#limitMb || young !== this.#youngMb) {
      this.#youngMb = young;
      this.#replacePool(Math.max(need, this.#limitMb), inputBytes, 'grown');
    }
  }

  #replacePool(limitMb: number | null, inputBytes: number, reason: HeapLimitEvent['reason']): void {
    const old = this.#pool;
    this.#limitMb = limitMb;
    this.#pool = this.#newPool(limitMb);
    // Builds already on the old thread finish there.
    void old.close().catch(() => {});
    this.#options.onHeapLimit?.({ maxOldGenerationSizeMb: limitMb, maxYoungGenerationSizeMb: this.#youngMb, inputBytes, reason });
  }

  #newPool(limitMb: number | null): Piscina {
    return backgroundPool('report-task', {
      nice: this.#options.nice,
      ...(limitMb !== null ? { maxOldGenerationSizeMb: limitMb } : {}),
      maxYoungGenerationSizeMb: this.#youngMb,
    });
  }

  /** The builder's live threads (piscina's; none while idle): their `resourceLimits` show the heap it runs with. */
  get threads(): readonly Worker[] {
    return this.#pool.threads;
  }

  get utilization(): number {
    return this.#pool.utilization;
  }

  close(): Promise<void> {
    return this.#pool.destroy();
  }
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
