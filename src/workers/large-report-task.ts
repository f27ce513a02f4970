/**
 * Piscina task, run from a shard worker: validate a large `/report` body (the rules of
 * docs/spec/plugin-protocol.md#validation-order, including JSON.parse and normalising) and, when it
 * is good, hand back the normalised report already encoded. Parsing 20–50 MB takes hundreds of ms,
 * which on the shard's own event loop would make every other plugin of the shard late
 * (docs/decisions/082-bulk-work-off-the-poll-path.md). Here it costs a thread of its own, and what
 * comes back is one string (cloned by memcpy, not re-serialised).
 */
import { nowTimestamp, rewriteControls, encodeReport } from '../shared/report/index.js';
import type { LargeReportTask, LargeReportResult, LargeSummaryTask } from '../shared/protocol.js';
import type { TopologyContribution } from '../shared/report/index.js';
import { validatePoll } from './poll-validation.js';
import { summarizeParts } from './report-summary.js';
import { niceThisPiscinaThread } from './thread-priority.js';

// Bulk work: polls go first when CPU is short (thread-priority.ts).
niceThisPiscinaThread();

export default function validateLargeReport(task: LargeReportTask): LargeReportResult {
  const outcome = validatePoll(
    { answered: true, statusCode: 200, statusText: 'OK', body: Buffer.from(task.body.buffer, task.body.byteOffset, task.body.byteLength), latencyMs: 0 },
    task.ctx,
  );
  if (!outcome.ok) return { ok: false, error: outcome.error, spec: outcome.spec };
  let report = outcome.report;
  let controlIds: string[] = [];
  if (outcome.spec.interfaces?.includes('controller') ?? false) {
    const rewritten = rewriteControls(report, task.ctx.pluginId, nowTimestamp());
    report = rewritten.report;
    controlIds = rewritten.controlIds;
  }
  return { ok: true, spec: outcome.spec, encoded: encodeReport(report), controlIds };
}

/** A large stored report summarised for the plugin's detail view (piscina `name: 'summarizeLargeReport'`). */
export function summarizeLargeReport(task: LargeSummaryTask): TopologyContribution[] {
  return summarizeParts(task.parts);
}
