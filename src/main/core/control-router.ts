/**
 * Routes a control click to the actor of the plugin that offers it
 * (docs/spec/plugin-protocol.md#controller-interface) and says what came of it as a
 * `ControlResult`. The one place that decides where a click goes: the socket serving the click's
 * plugin ID (one socket per ID, src/main/core/plugin-table.ts), and only for a control that
 * plugin's last good report offered. Never waits for polls: a click goes to the actor's own control
 * connection.
 */
import type { Logger } from 'pino';
import type { ControlBody } from '../../shared/control-body.js';
import { ErrorCode, HostError, errorData, type ErrorCode as Code } from '../../shared/errors.js';
import type { ControlReply } from '../../shared/protocol.js';
import { parseControl, type ControlRequest } from './control-request.js';
import type { ControlFailure, ControlResult } from './control-result.js';
import type { PluginTable } from './plugin-table.js';
import type { Supervisor } from './supervisor.js';

export interface ControlObserver {
  /** `ok` or the error code of the result. */
  control(outcome: string): void;
}

export interface ControlRouterOptions {
  readonly table: PluginTable;
  readonly supervisor: Supervisor;
  readonly logger: Logger;
  readonly observer?: ControlObserver;
  /** Publish a plugin's validated shortcut report (encoded wire JSON) at once. */
  readonly shortcut: (encoded: string) => Promise<void>;
}

/** A control the plugin does not answer within this is reported as unavailable. */
const CONTROL_TIMEOUT_MS = 10_000;

export class ControlRouter {
  readonly #options: ControlRouterOptions;
  readonly #log: Logger;

  constructor(options: ControlRouterOptions) {
    this.#options = options;
    this.#log = options.logger.child({ component: 'controls' });
  }

  async control(request: ControlRequest): Promise<ControlResult> {
    const result = await this.#control(request);
    this.#options.observer?.control(result.ok ? 'ok' : result.error.code);
    return result;
  }

  async #control(request: ControlRequest): Promise<ControlResult> {
    const { address, ...click } = parseControl(request);
    // The rule: `<pluginID>~<controlID>` goes to the socket serving pluginID, if its last good report offered that control.
    const record = address === null ? undefined : this.#options.table.serving(address.pluginId);
    if (address === null || record === undefined || !record.state.controls.includes(click.control)) {
      return failed('unknown-control', ErrorCode.CONTROL_NOT_RECOGNISED, `Control "${click.control}" not recognised`);
    }
    const { key } = record;
    const gone = () => failed('plugin-gone', ErrorCode.CONTROL_PLUGIN_NOT_FOUND, `plugin ${address.pluginId} not found`);
    const body: ControlBody = { AppID: click.appId, NodeID: click.nodeId, Control: address.controlId, ControlArgs: click.args };
    let reply: ControlReply;
    try {
      const shard = this.#options.supervisor.shard(record.shard);
      reply = await shard.call((api) => api.control(key, body) as Promise<ControlReply>, CONTROL_TIMEOUT_MS);
    } catch (err) {
      return failed('unavailable', err instanceof HostError ? err.code : ErrorCode.INTERNAL, (err as Error).message);
    }
    if (!reply.ok) {
      return reply.error.code === ErrorCode.CONTROL_PLUGIN_NOT_FOUND ? gone() : { ok: false, failure: 'plugin-failed', error: reply.error };
    }
    if (reply.shortcutError) {
      const { code, message } = reply.shortcutError;
      this.#log.warn({ pluginId: address.pluginId, code, err: message }, 'shortcut report rejected');
    }
    if (reply.shortcut !== null) await this.#publishShortcut(address.pluginId, reply.shortcut);
    // Like the Scope app: a plugin response carrying an `error` is a failed control.
    const error = reply.response['error'];
    if (typeof error === 'string' && error !== '') {
      return { ok: false, failure: 'plugin-refused', error: errorData(ErrorCode.CONTROL_PLUGIN_ERROR, error), answer: reply.response };
    }
    return { ok: true, answer: reply.response };
  }

  async #publishShortcut(pluginId: string, encoded: string): Promise<void> {
    try {
      await this.#options.shortcut(encoded);
    } catch (err) {
      // The plugin did act on the click; only the immediate update is lost.
      this.#log.error({ pluginId, err }, 'shortcut report could not be published');
    }
  }
}

function failed(failure: Exclude<ControlFailure, 'plugin-refused'>, code: Code, message: string): ControlResult {
  return { ok: false, failure, error: errorData(code, message) };
}
