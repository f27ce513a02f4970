/**
 * What the core answers to a control click, whichever front door it came through. Each failure
 * names its kind (what a front door maps to its own status: HTTP in src/main/api/control-route.ts)
 * and carries a stable `{code, message}`.
 */
import type { ErrorData } from '../../shared/errors.js';

export type ControlFailure =
  /** The request is malformed (code CONTROL_BAD_REQUEST). */
  | 'bad-request'
  /** No plugin currently offers this control (CONTROL_NOT_RECOGNISED). */
  | 'unknown-control'
  /** The plugin that offered it went away meanwhile (CONTROL_PLUGIN_NOT_FOUND). */
  | 'plugin-gone'
  /** The plugin's worker thread is restarting or did not answer (HOST_WORKER_CRASHED, HOST_INTERNAL). */
  | 'unavailable'
  /** The plugin could not be asked, or broke the protocol: transport codes, PLUGIN_NOT_CONTROLLER. */
  | 'plugin-failed'
  /** The plugin answered with an `error` (CONTROL_PLUGIN_ERROR); its answer is kept as it sent it. */
  | 'plugin-refused';

/** A plugin's answer without its shortcut report (which the core publishes itself). */
export type ControlAnswer = Readonly<Record<string, unknown>>;

export type ControlResult =
  | { readonly ok: true; readonly answer: ControlAnswer }
  | { readonly ok: false; readonly failure: Exclude<ControlFailure, 'plugin-refused'>; readonly error: ErrorData }
  | { readonly ok: false; readonly failure: 'plugin-refused'; readonly error: ErrorData; readonly answer: ControlAnswer };
