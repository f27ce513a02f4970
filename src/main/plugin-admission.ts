/**
 * Which plugins are polled when there are more plugins than descriptors for them
 * (fd-budget.ts). The choice is a pure function of the plugin set: the first `budget` socket
 * paths in sorted order are polled, the rest get a status saying why and are never dialled. So
 * the same plugins lose every time, instead of whichever connection happens to meet EMFILE, and a
 * plugin that appears or goes away moves at most the plugins at the boundary.
 *
 * Sockets whose path is too long to dial (socket-path.ts) need no descriptor and are not counted.
 */
import type { Logger } from 'pino';
import { ErrorCode, errorData, type ErrorData } from '../shared/errors.js';
import { socketPathFits } from '../shared/socket-path.js';
import type { DiscoveredSocket, DiscoveryDiff } from './discovery/discovery.js';

export class PluginAdmission {
  readonly #budget: number;
  readonly #nofile: number;
  readonly #refusal: ErrorData;
  readonly #log: Logger;
  /** Every known socket that needs a descriptor. */
  readonly #sockets = new Map<string, DiscoveredSocket>();
  #refused: ReadonlySet<string> = new Set();

  constructor(options: { budget: number; nofile: number; logger: Logger }) {
    this.#budget = options.budget;
    this.#nofile = options.nofile;
    this.#log = options.logger.child({ component: 'admission' });
    this.#refusal = errorData(
      ErrorCode.FD_LIMIT,
      `too many plugins for the open-file limit (nofile ${options.nofile}): the host polls the first ${options.budget} ` +
        'plugins in socket-path order and this one comes later; raise LimitNOFILE or ulimit -n',
    );
  }

  /** Plugins not polled now. */
  get refusedCount(): number {
    return this.#refused.size;
  }

  /** The error a plugin gets instead of being polled, or undefined when it is polled. */
  refusal(path: string): ErrorData | undefined {
    return this.#refused.has(path) ? this.#refusal : undefined;
  }

  /**
   * Takes discovery's diff and returns the one to apply: the same, plus a removal and re-addition
   * of each known plugin whose admission changed (its actor restarts polled or refused).
   */
  apply(diff: DiscoveryDiff): DiscoveryDiff {
    for (const socket of diff.removed) this.#sockets.delete(socket.path);
    for (const socket of diff.added) if (socketPathFits(socket.path)) this.#sockets.set(socket.path, socket);
    const refused = this.#sockets.size <= this.#budget ? new Set<string>() : new Set([...this.#sockets.keys()].sort().slice(this.#budget));

    const fresh = new Set(diff.added.map((s) => s.path));
    const changed: DiscoveredSocket[] = [];
    for (const path of new Set([...refused, ...this.#refused])) {
      if (refused.has(path) === this.#refused.has(path) || fresh.has(path)) continue;
      const socket = this.#sockets.get(path);
      if (socket) changed.push(socket);
    }
    this.#announce(refused);
    this.#refused = refused;
    return changed.length === 0 ? diff : { added: [...diff.added, ...changed], removed: [...diff.removed, ...changed] };
  }

  /** One line when plugins start going unpolled, one when they all fit again. */
  #announce(refused: ReadonlySet<string>): void {
    if (refused.size > 0 && this.#refused.size === 0) {
      this.#log.warn(
        {
          nofile: this.#nofile,
          plugins: this.#sockets.size,
          polled: this.#budget,
          notPolled: refused.size,
          firstNotPolled: [...refused][0],
          fix: 'raise the open-file limit: LimitNOFILE= in the systemd unit, or ulimit -n before starting (docs/production.md)',
        },
        'too many plugins for the open-file limit; the plugins past the first ones in socket-path order are not polled',
      );
    } else if (refused.size === 0 && this.#refused.size > 0) {
      this.#log.info({ nofile: this.#nofile, plugins: this.#sockets.size }, 'every plugin fits the open-file limit again; all are polled');
    }
  }
}
