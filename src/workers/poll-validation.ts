/**
 * What one `GET /report` answer means for a plugin: the rules of
 * docs/spec/plugin-protocol.md#validation-order, in upstream's order, first failing rule wins.
 *
 *   1 transport/timeout  2 non-200  3 too large  4 decoding  5 spec count ≠ 1  6 id changed
 *   — the stored spec is kept (rules 1–6) —
 *   7 the spec is accepted and stored
 *   8 api_version  9 empty label  10 no "reporter"  11 ok
 *
 * Rules 1 and 3 (and gzip corruption, which upstream meets inside its decoder) arrive already
 * decided as a failed `HttpResult` from the client. A failing plugin contributes no topology data
 * at all (docs/spec/plugin-protocol.md#failed-polls): the caller gets only the spec to list, with
 * its `error: …` status.
 */
import { ErrorCode, errorData, statusOf, type ErrorData } from '../shared/errors.js';
import { ReportError, ReportErrorCode, decodeReport, type PluginSpec, type Report } from '../shared/report/index.js';
import { statusError } from './http-status.js';
import type { HttpResult } from './plugin-client.js';

export interface PollContext {
  /** The socket-derived id the plugin must keep. */
  pluginId: string;
  apiVersion: string;
  /** The spec stored so far (initially `{id, label: id}`); kept, with the new status, by rules 1–6. */
  storedSpec: PluginSpec;
  /** `maxNodesPerReport`: a larger report fails before it is normalised. */
  maxNodes?: number;
  /**
   * Set for handshake-era plugins: their reports may lack `Plugins`; this spec is used and any
   * `Plugins` in the report ignored (the seed probe added the handshake spec to every report).
   */
  handshakeSpec?: PluginSpec;
}

export type PollOutcome =
  /** `report.Plugins` is exactly `[spec]`, with status `ok`. */
  | { ok: true; report: Report; spec: PluginSpec }
  /** `spec` is what to store and list: the stored one for rules 1–6, the new one for 8–10. */
  | { ok: false; error: ErrorData; spec: PluginSpec };

export const STATUS_OK = 'ok';

export function validatePoll(result: HttpResult, ctx: PollContext): PollOutcome {
  const keep = (error: ErrorData): PollOutcome => ({ ok: false, error, spec: withStatus(ctx.storedSpec, error) });

  // 1, 3: transport, timeout, too large (and a broken gzip stream) — decided by the client.
  if (!result.answered) return keep(result.error);

  // 2: the body of a non-200 answer is ignored.
  if (result.statusCode !== 200) {
    return keep(statusError(result.statusCode, result.statusText));
  }

  // 4
  let report: Report;
  try {
    // Checked here, kept as bytes, decoded again by the builder: no need to hash it for an ID.
    report = decodeReport(result.body, ctx.maxNodes === undefined ? { identify: false } : { maxNodes: ctx.maxNodes, identify: false });
  } catch (err) {
    if (err instanceof ReportError && err.code === ReportErrorCode.TOO_MANY_NODES) {
      return keep(errorData(ErrorCode.TOO_MANY_NODES, err.message));
    }
    const detail = err instanceof ReportError ? err.message : `unexpected decoder failure: ${String(err)}`;
    return keep(errorData(ErrorCode.DECODE, `decoding error: ${detail}`));
  }

  let spec: PluginSpec;
  if (ctx.handshakeSpec !== undefined) {
    // Handshake era: the spec came from `GET /` and was validated there; rules 5–10 are upstream's
    // current-era checks on a spec inside the report, which these plugins never sent.
    spec = stripStatus(ctx.handshakeSpec);
  } else {
    // 5: identical ids were collapsed by the decoder, so two copies of one spec count as one.
    if (report.Plugins.length !== 1) {
      return keep(errorData(ErrorCode.SPEC_COUNT, `report must contain exactly one plugin (found ${report.Plugins.length})`));
    }
    spec = stripStatus(report.Plugins[0]!);
    // 6
    if (spec.id !== ctx.pluginId) {
      return keep(errorData(ErrorCode.ID_CHANGED, `plugin must not change its id (is ${goQuote(spec.id)}, should be ${goQuote(ctx.pluginId)})`));
    }
  }

  // 7: from here on the plugin's own spec is what gets stored and listed, even when it fails.
  const error = checkSpec(spec, ctx.apiVersion);
  if (error !== null) return { ok: false, error, spec: withStatus(spec, error) };

  const okSpec: PluginSpec = { ...spec, status: STATUS_OK };
  return { ok: true, report: { ...report, Plugins: [okSpec] }, spec: okSpec };
}

/** Rules 8–10. */
function checkSpec(spec: PluginSpec, apiVersion: string): ErrorData | null {
  const got = spec.api_version ?? '';
  if (got !== apiVersion) {
    return errorData(ErrorCode.API_VERSION, `incorrect API version: expected ${goQuote(apiVersion)}, got ${goQuote(got)}`);
  }
  if (spec.label === '') return errorData(ErrorCode.NO_LABEL, 'spec must contain a label');
  if (!(spec.interfaces ?? []).includes('reporter')) {
    return errorData(ErrorCode.NOT_REPORTER, 'spec must implement the "reporter" interface');
  }
  return null;
}

function withStatus(spec: PluginSpec, error: ErrorData): PluginSpec {
  return { ...spec, status: statusOf(error) };
}

/** `status` is output-only: whatever a plugin sends there is replaced. */
function stripStatus(spec: PluginSpec): PluginSpec {
  if (spec.status === undefined) return spec;
  const { status: _ignored, ...rest } = spec;
  return rest;
}

/** Go's %q for the ids and versions in messages (JSON escaping matches it for printable text). */
function goQuote(s: string): string {
  return JSON.stringify(s);
}
