/**
 * The merged report from the shards' packed reports: decoded, merged, listed with every plugin's
 * spec, stamped, encoded and optionally gzipped. A pure function of its task, so it runs on
 * whichever thread the report builder picks: the piscina thread (src/workers/report-task.ts) for
 * most builds, the calling thread in slices for a few hundred plugins' reports
 * (src/main/report-builder.ts).
 */
import { constants, gzipSync } from 'node:zlib';
import { eachGroup } from '../parts.js';
import type { ReportTask } from '../protocol.js';
import { compareStrings } from './strings.js';
import {
  decodeReport,
  emptyReport,
  encodeReport,
  mergeReports,
  readyControlsForApp,
  stampReport,
  timestampFromEpochNs,
  type PluginSpec,
  type Report,
} from './index.js';

/** The build itself; the bytes are a view that may be a slice of Node's pool (src/shared/transfer.ts). */
export function buildReportBytes(task: ReportTask): Uint8Array {
  return finishBuild(Array.from(eachGroup(task.parts), mergePluginReports), task);
}

/**
 * A build's first step, one plugin at a time: that plugin's reports since the last publish,
 * decoded and merged. The big merge then holds one report per plugin, and the rest is garbage
 * before it is ever promoted.
 */
export function mergePluginReports(group: readonly Uint8Array[]): Report {
  // Bytes the shard validated at poll time: decoding cannot fail here unless the two disagree.
  return group.length === 1 ? decodeReport(group[0]!) : mergeReports(...group.map((part) => decodeReport(part)));
}

/** The rest of the build, from every plugin's merged reports (`mergePluginReports`) in pack order. */
export function finishBuild(perPlugin: Report[], task: ReportTask): Uint8Array {
  let reports = perPlugin;
  // The plugins' own Plugins sections are dropped: the list is every plugin's current spec and status.
  if (task.specs !== undefined) reports = reports.map((r) => (r.Plugins.length === 0 ? r : { ...r, Plugins: [] }));
  let merged = mergeReports(...reports);
  if (task.specs !== undefined) merged = { ...merged, Plugins: uniqueSpecs(task.specs) };
  if (task.app !== undefined) merged = readyControlsForApp(merged, task.app);
  const stamped = stampReport(merged, {
    ts: timestampFromEpochNs(BigInt(task.tsEpochNs)),
    ...(task.windowNs !== undefined ? { windowNs: BigInt(task.windowNs) } : {}),
    ...(task.shortcut !== undefined ? { shortcut: task.shortcut } : {}),
  });
  // Bytes moved to main, not the string: a cloned multi-megabyte string is a copy allocated in
  // main's large-object space, which only a mark-compact frees; moved bytes cost main neither.
  // Either buffer may be a slice of Node's untransferable pool (src/shared/transfer.ts).
  const json = Buffer.from(encodeReport(stamped));
  // The fastest level: well under half the CPU for a few per cent more bytes (docs/decisions/068-publish-build-at-scale.md).
  const bytes = task.gzip ? gzipSync(json, { level: constants.Z_BEST_SPEED }) : json;
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Specs sorted by id, one per id. Sockets that share an id are all listed (the ones not serving it
 * with their duplicate status); their specs merge by the report model's value-based rule, so the
 * result does not depend on which came first.
 */
function uniqueSpecs(specs: readonly PluginSpec[]): PluginSpec[] {
  const byId = new Map<string, PluginSpec[]>();
  for (const spec of specs) {
    const group = byId.get(spec.id);
    if (group) group.push(spec);
    else byId.set(spec.id, [spec]);
  }
  const out: PluginSpec[] = [];
  for (const group of byId.values()) {
    if (group.length === 1) out.push(group[0]!);
    else out.push(...mergeReports(...group.map((spec) => ({ ...emptyReport(), Plugins: [spec] }))).Plugins);
  }
  return out.sort((a, b) => compareStrings(a.id, b.id));
}
