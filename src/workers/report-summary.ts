/** A plugin's stored report texts summarised for its detail view (on the shard, or its large-report thread). */
import { contributionOf, decodeReport, mergeReports, type TopologyContribution } from '../shared/report/index.js';

/** The texts were validated when polled; decoding them again is the price of keeping bytes, paid per click. */
export function summarizeParts(parts: readonly Uint8Array[]): TopologyContribution[] {
  return contributionOf(mergeReports(...parts.map((part) => decodeReport(part, { identify: false }))));
}
