/**
 * Piscina task: the final merge of the shards' encoded reports, stamped, encoded and optionally
 * gzipped. This is the CPU-heavy burst of the host (a publish of thousands of plugins' data), so it
 * runs on a piscina thread, never on the main thread that serves the API and supervises actors.
 */
import { gzipSync } from 'node:zlib';
import { Piscina } from 'piscina';
import {
  decodeReport,
  encodeReport,
  mergeReports,
  stampReport,
  timestampFromEpochNs,
} from '../shared/report/index.js';
import type { ReportTask, ReportTaskResult } from '../shared/protocol.js';

export default function buildReport(task: ReportTask): ReportTaskResult {
  const merged = mergeReports(...task.parts.map((part) => decodeReport(part)));
  const stamped = stampReport(merged, {
    ts: timestampFromEpochNs(BigInt(task.tsEpochNs)),
    ...(task.windowNs !== undefined ? { windowNs: BigInt(task.windowNs) } : {}),
    ...(task.shortcut !== undefined ? { shortcut: task.shortcut } : {}),
  });
  const json = encodeReport(stamped);
  if (!task.gzip) return json;
  const gz = gzipSync(json);
  return Piscina.move(new Uint8Array(gz.buffer, gz.byteOffset, gz.byteLength)) as unknown as Uint8Array;
}
