/**
 * Builds the host's merged report from the shards' snapshots on a piscina thread (see
 * src/workers/report-task.ts for why). One small pool: the work is bursty (an API request, a
 * publish every few seconds), so one thread that idles in between is enough, and its CPU does not
 * compete with the shards more than the burst needs.
 */
import { Piscina } from 'piscina';
import { transferablesOf, type PackedParts } from '../shared/parts.js';
import type { BackgroundThreadData, ReportTask, ReportTaskResult } from '../shared/protocol.js';
import { workerPath } from '../shared/worker-url.js';

/** What a build was for: `GET /api/report`, a periodic publication, or a shortcut report. */
export type BuildPurpose = 'api' | 'publish' | 'shortcut';

export interface BuildObserver {
  /** One build finished (or failed): its wall time on the builder thread, queueing included. */
  reportBuild(purpose: BuildPurpose, seconds: number, ok: boolean): void;
}

export class ReportBuilder {
  readonly #pool: Piscina;
  /** Set by the service to feed /metrics. */
  observer: BuildObserver | null = null;

  /** `nice`: the builder thread's CPU priority (config `backgroundNice`, src/workers/thread-priority.ts). */
  constructor(options: { nice: number } = { nice: 0 }) {
    this.#pool = new Piscina({
      filename: workerPath('report-task'),
      workerData: { nice: options.nice } satisfies BackgroundThreadData,
      minThreads: 0,
      maxThreads: 1,
      // Keep the thread warm between publishes (3 s apart by default), drop it when idle longer.
      idleTimeout: 30_000,
    });
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
    let ok = false;
    try {
      const result = (await this.#pool.run(task, { transferList: transferablesOf(task.parts) })) as ReportTaskResult;
      ok = true;
      return result;
    } finally {
      this.observer?.reportBuild(purpose, (performance.now() - started) / 1000, ok);
    }
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
