/**
 * A control click as the core takes it: the one place where a click from any front door is
 * validated and its `<pluginID>~<controlID>` taken apart.
 */
import { readControlBody } from '../../shared/control-body.js';
import { parseAppControlId, type ControlAddress } from '../../shared/control-id.js';
import { ErrorCode, errorData } from '../../shared/errors.js';
import type { ControlResult } from './control-result.js';

export interface ControlRequest {
  readonly appId: string;
  readonly nodeId: string;
  /** `<pluginID>~<controlID>`, as the app shows it. */
  readonly control: string;
  readonly args: Readonly<Record<string, string>> | null;
}

/** A request with its control ID parsed; `address` is null when the ID has no `<pluginID>~` part. */
export interface ParsedControl extends ControlRequest {
  readonly address: ControlAddress | null;
}

/** A request turned down before routing: always `{ok: false, failure: 'bad-request'}`. */
type Rejected = ControlResult & { readonly ok: false };

/** The app's wire body `{AppID, NodeID, Control, ControlArgs}`, already JSON-decoded. */
export function controlRequestOf(wire: unknown): ControlRequest | Rejected {
  const read = readControlBody(wire);
  if (!read.ok) return badRequest(read.error);
  const { AppID, NodeID, Control, ControlArgs } = read.body;
  return { appId: AppID, nodeId: NodeID, control: Control, args: ControlArgs };
}

export function parseControl(request: ControlRequest): ParsedControl {
  return { ...request, address: parseAppControlId(request.control) };
}

export function badRequest(message: string): Rejected {
  return { ok: false, failure: 'bad-request', error: errorData(ErrorCode.CONTROL_BAD_REQUEST, message) };
}

export function isRejected(value: ControlRequest | Rejected): value is Rejected {
  return 'ok' in value;
}
