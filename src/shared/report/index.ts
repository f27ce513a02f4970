/**
 * The Scope report model (issue #2): decode a plugin's `/report` JSON, merge any number of
 * reports in any order, encode HEAD wire JSON a Scope app accepts on `POST /api/report`
 * (`Content-Type: application/json`). The rules: docs/spec/report-format.md.
 *
 * Guarantees:
 * - `decodeReport` accepts the HEAD form and the 2016 form, throws only `ReportError`
 *   (stable `code`, JSON `path`), ignores unknown keys without visiting them, never yields NaN or
 *   Infinity, and is a pure function of its input (except legacy `counters`, which upstream too
 *   stamps with the decode time).
 * - `mergeReports` is commutative, associative and idempotent, `emptyReport()` is its identity,
 *   and it never mutates its inputs (reports are immutable and share structure).
 * - `encodeReport` gives byte-identical output for equal reports, so the same inputs merged in
 *   any order encode identically.
 *
 * Divergences from upstream HEAD (each also noted at the rule):
 * 1. Ties broken by value, not by map size or argument order (#merge-rules): `latest` at the same
 *    instant → the larger value; metric samples at the same instant → the larger value; controls,
 *    plugin specs, children, equal-priority metadata/metric templates, equal-length table
 *    `columns`/`fixedRows` → the larger canonical encoding; two different non-empty
 *    `shape`/`tag`/label pairs/node `id`s → the larger string.
 * 2. `Window` and `Sampling` are sums over distinct member reports (by ID), so merging a report
 *    twice does not double them (upstream: plain sums, not idempotent). See `members.ts`.
 * 3. `ID`: a decoded report keeps a non-empty wire ID, else gets one derived from the SHA-1 of
 *    its text; a merge's ID is its single member's ID or derived from the sorted member IDs
 *    (upstream: random per `MakeReport()`/`Copy()`; the app replaces it anyway). `emptyReport()`
 *    has ID `''`.
 * 4. `Shortcut`: true only if every merged report with data is a shortcut (upstream: the
 *    receiver's flag); `emptyReport()` and other member-less reports do not take part.
 * 5. Metrics: missing `min`/`max` are computed from the samples (upstream reads 0); a metric
 *    without samples never clamps one with samples; samples are sorted and unique per instant.
 * 6. String sets (`sets`, `parents`, `adjacency`, DNS names, `active_controls` members) are sorted
 *    and de-duplicated on decode (upstream trusts the input and then merges into garbage).
 * 7. Host `active_controls` union always survives and is sorted (upstream: can lose to an
 *    equal-timestamp entry; members in random order).
 * 8. Every node gets `id` = its key when missing and `topology` = the enclosing topology's
 *    internal name (always; upstream keeps what was sent and panics on a later conflict).
 * 9. A plugin cannot change the default shape/tag/label of a pre-labelled topology: applied
 *    at decode instead of at the first merge, with the same outcome.
 * 10. Encoding: map keys in Go string order (upstream: hash order for `sets`/maps), `children`
 *     sorted by id; integral floats without `.0`. Timestamps are written in UTC (upstream keeps the
 *     offset the value was created with); legacy `counters` still get the decode time.
 * 11. `rewriteControls` adds `active_controls` only to nodes that had one (upstream stamps every
 *     node of a controller plugin, blanking built-in controls).
 * 12. A `null` where an object is required as a map value or array element (a node, a latest
 *     entry, a sample) is rejected; a `null` field reads as absent, like upstream.
 * 13. Small decode normalisations: a JSON number as a latest value becomes its shortest JS form
 *     (`1.50` → "1.5"; Go keeps the literal text); empty table `columns`/`fixedRows` become `null`;
 *     `active_controls` members are sorted; children nest at most 32 levels (`REPORT_TOO_DEEP`).
 * 14. Numbers fit their Go types (docs/spec/report-format.md#numbers-and-go-types): `Sampling` and
 *     `Window` sums saturate at the uint64/int64 limits (upstream wraps), integers are written as
 *     exact digits, a non-integral or out-of-range number is refused at decode (`REPORT_BAD_NUMBER`).
 */
export { decodeReport, type DecodeOptions } from './decode.js';
export { mergeReports } from './merge.js';
export { encodeReport, encodeNode, encodeSpec } from './encode.js';
export { emptyReport, stampReport, type StampOptions } from './report.js';
export { rewriteControls, type RewrittenControls } from './controls.js';
export { readyControlsForApp, type AppControlsOptions } from './app-controls.js';
export { ReportError, ReportErrorCode } from './report-error.js';
export { ZERO_TIME, compareTimestamps, nowTimestamp, parseTimestamp, timestampFromEpochNs, timestampToEpochNs, type Timestamp } from './timestamp.js';
export { compareStrings } from './strings.js';
export { ACTIVE_CONTROLS } from './decode-legacy.js';
export {
  contributionOf,
  DETAIL_LIMITS,
  NO_LIMITS,
  type ContributionLimits,
  type ControlContribution,
  type MetricContribution,
  type TopologyContribution,
} from './contribution.js';
export {
  TOPOLOGIES,
  TOPOLOGY_KEYS,
  type Column,
  type Control,
  type DNSRecord,
  type LatestEntry,
  type MetadataTemplate,
  type Metric,
  type MetricTemplate,
  type Node,
  type PluginSpec,
  type Report,
  type Sample,
  type Sampling,
  type StringSet,
  type TableTemplate,
  type Topology,
  type TopologyKey,
  type TopologyName,
} from './types.js';
