/**
 * `POST /api/control`: the HTTP front door to the core's control routing. It only decodes the
 * JSON body and maps the core's result to an HTTP status; validation and routing live in the core.
 */
import { ErrorCode } from '../../shared/errors.js';
import type { HostCore } from '../core/host-core.js';
import type { ControlFailure, ControlResult } from '../core/control-result.js';
import { json, type Reply } from './http-server.js';

const STATUS: Readonly<Record<ControlFailure, number>> = {
  'bad-request': 400,
  'unknown-control': 404,
  'plugin-gone': 404,
  unavailable: 503,
  'plugin-failed': 400,
  'plugin-refused': 400,
};

export async function controlRoute(core: HostCore, body: Buffer | null): Promise<Reply> {
  let wire: unknown;
  try {
    wire = JSON.parse(body?.toString('utf8') ?? '');
  } catch {
    return json(400, { error: 'request body must be JSON: {"AppID", "NodeID", "Control", "ControlArgs"}', code: ErrorCode.CONTROL_BAD_REQUEST });
  }
  return controlReply(await core.controlFromWire(wire));
}

/** 200 with the plugin's answer; otherwise the failure's status with `{error, code}`, or the plugin's own answer when it refused. */
export function controlReply(result: ControlResult): Reply {
  if (result.ok) return json(200, result.answer);
  if (result.failure === 'plugin-refused') return json(STATUS[result.failure], result.answer);
  return json(STATUS[result.failure], { error: result.error.message, code: result.error.code });
}
