/**
 * A click that arrived from a Scope app's control websocket, handed to the core exactly like a
 * `POST /api/control` (validated by the same reader, routed by the core), and the core's result
 * turned into the `xfer.Response` the app expects (docs/spec/app-protocol.md#answers).
 */
import { readControlBody } from '../../shared/control-body.js';
import { unpublishControlId } from '../../shared/control-id.js';
import type { ControlRequest } from '../core/control-request.js';
import type { ControlResult } from '../core/control-result.js';
import type { ResolvedApp } from '../publish/publisher.js';
import type { ControlAnswer, ControlHandler } from './control-connection.js';
import { relayToOwner } from './relay.js';

export interface AppClickOptions {
  readonly probeId: string;
  /** A real probe owns this machine's host node: clicks on controls we do not publish are its (relay.ts). */
  readonly besideProbe: boolean;
  /** Deadline of a relayed click. */
  readonly relayTimeoutMs: number;
}

/** The core's one control entry point. */
export type CoreControl = (request: ControlRequest) => Promise<ControlResult>;

export function appClickHandler(options: AppClickOptions, control: CoreControl): ControlHandler {
  return async (wire: unknown, app: ResolvedApp): Promise<ControlAnswer> => {
    const read = readControlBody(wire);
    if (!read.ok) return { error: read.error };
    const click = read.body;
    // The app shows this host's controls as `<probeId>~<pluginId>~<controlId>`.
    const pluginControl = unpublishControlId(options.probeId, click.Control);
    if (pluginControl === null && options.besideProbe) return relayToOwner(app, click, options.probeId, options.relayTimeoutMs);
    const result = await control({
      // The app leaves AppID empty; the probe fills in the id the app gave on GET /api.
      appId: app.identity.id,
      nodeId: click.NodeID,
      control: pluginControl ?? click.Control,
      args: click.ControlArgs,
    });
    if (result.ok || result.failure === 'plugin-refused') return result.answer;
    // Our own failures are answers with an error, as upstream's probe gives them; the app shows the text.
    return { error: result.error.message };
  };
}
