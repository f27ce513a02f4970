/**
 * One control request to a controller plugin (docs/spec/plugin-protocol.md#post-control): `POST
 * /control` (main already stripped our `<pluginID>~` prefix) under the same deadline, size cap and
 * status rules as a poll, and take the shortcut report apart from the response.
 *
 * Unlike upstream, a shortcut report is validated before it is used: it must decode as a report
 * and hold exactly one plugin spec, with this plugin's id. Upstream trusts it (a shortcut can
 * rewrite controls under another plugin's id) and crashes when `Plugins` is empty. A rejected
 * shortcut does not fail the control: the plugin did act on the click; the reply says why its
 * shortcut was dropped.
 */
import { ErrorCode, errorData, type ErrorData } from '../shared/errors.js';
import type { ControlBody } from '../shared/control-body.js';
import { statusError } from './http-status.js';
import { ReportError, decodeReport, encodeReport, nowTimestamp, rewriteControls, stampReport, type Report } from '../shared/report/index.js';
import type { PluginClient } from './plugin-client.js';

export interface ShortcutReport {
  readonly controlIds: readonly string[];
  /** Wire JSON with `Shortcut: true`, ready to publish. */
  readonly encoded: string;
}

export type ControlCallResult =
  | {
      readonly ok: true;
      readonly response: Record<string, unknown>;
      readonly shortcutReport: ShortcutReport | null;
      readonly shortcutError: ErrorData | null;
    }
  | { readonly ok: false; readonly error: ErrorData };

export async function callControl(client: PluginClient, body: ControlBody, pluginId: string, maxNodes: number): Promise<ControlCallResult> {
  const result = await client.postControl(body);
  if (!result.answered) return { ok: false, error: result.error };
  if (result.statusCode !== 200) {
    return { ok: false, error: statusError(result.statusCode, result.statusText) };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(result.body));
  } catch (err) {
    return { ok: false, error: errorData(ErrorCode.DECODE, `decoding error: ${(err as Error).message}`) };
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return { ok: false, error: errorData(ErrorCode.DECODE, 'decoding error: control response must be a JSON object') };
  }
  const response = { ...(parsed as Record<string, unknown>) };
  // Upstream's docs spell it ShortcutReport, its iowait plugin shortcutReport: accept both.
  const rawShortcut = response['shortcutReport'] ?? response['ShortcutReport'];
  delete response['shortcutReport'];
  delete response['ShortcutReport'];
  if (rawShortcut === undefined || rawShortcut === null) {
    return { ok: true, response, shortcutReport: null, shortcutError: null };
  }
  const shortcut = readShortcut(rawShortcut, pluginId, maxNodes);
  return 'error' in shortcut
    ? { ok: true, response, shortcutReport: null, shortcutError: shortcut.error }
    : { ok: true, response, shortcutReport: shortcut, shortcutError: null };
}

function readShortcut(raw: unknown, pluginId: string, maxNodes: number): ShortcutReport | { error: ErrorData } {
  let report: Report;
  try {
    report = decodeReport(JSON.stringify(raw), { maxNodes });
  } catch (err) {
    const message = err instanceof ReportError ? err.message : String(err as Error);
    return { error: errorData(ErrorCode.SHORTCUT_INVALID, `shortcut report: decoding error: ${message}`) };
  }
  if (report.Plugins.length !== 1) {
    return {
      error: errorData(ErrorCode.SHORTCUT_INVALID, `shortcut report must contain exactly one plugin (found ${report.Plugins.length})`),
    };
  }
  const spec = report.Plugins[0]!;
  if (spec.id !== pluginId) {
    return {
      error: errorData(ErrorCode.SHORTCUT_INVALID, `shortcut report must not change the plugin id (is "${spec.id}", should be "${pluginId}")`),
    };
  }
  const now = nowTimestamp();
  const rewritten = rewriteControls({ ...report, Plugins: [{ ...spec, status: 'ok' }] }, pluginId, now);
  const encoded = encodeReport(stampReport(rewritten.report, { ts: now, shortcut: true }));
  return { controlIds: rewritten.controlIds, encoded };
}
