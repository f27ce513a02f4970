/**
 * Piscina task: the final merge of the shards' packed reports (src/shared/report/build-report.ts).
 * This is the CPU-heavy burst of the host (a publish of thousands of plugins' data), so it runs on
 * a piscina thread, not on the main thread that serves the API and supervises actors (which builds
 * only a few hundred plugins' reports itself, in slices: src/main/report-builder.ts).
 */
import { Piscina } from 'piscina';
import type { ReportTask, ReportTaskResult } from '../shared/protocol.js';
import { buildReportBytes } from '../shared/report/build-report.js';
import { movable } from '../shared/transfer.js';
import { collectGarbage } from './full-collection.js';
import { niceThisPiscinaThread } from './thread-priority.js';

// Bulk work: polls go first when CPU is short (thread-priority.ts).
niceThisPiscinaThread();

export default function buildReport(task: ReportTask): ReportTaskResult {
  const bytes = buildReportBytes(task);
  // Runs once the result is posted: this build's reports and packs are garbage by then, and the
  // thread idles until the next publish (docs/decisions/089-builder-collects-after-a-build.md).
  setImmediate(collectGarbage);
  return Piscina.move(movable(bytes)) as unknown as Uint8Array;
}
