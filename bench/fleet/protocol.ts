/**
 * IPC messages between the bench harness (`client.ts`) and the fleet process (`fleet.ts`). Types
 * only. The channel uses `serialization: 'advanced'` so request logs travel as Float64Arrays.
 * Every command carries a `requestId` that its reply echoes.
 */
import type { PluginSpec } from './scenario.js';

export type ToFleet =
  | { readonly kind: 'add'; readonly requestId: number; readonly plugins: readonly PluginSpec[] }
  | { readonly kind: 'remove'; readonly requestId: number; readonly ids: readonly string[] }
  | { readonly kind: 'collect'; readonly requestId: number; readonly reset: boolean }
  | { readonly kind: 'stats'; readonly requestId: number }
  | { readonly kind: 'stop'; readonly requestId: number };

export interface FleetStats {
  /** Plugins currently served. */
  readonly plugins: number;
  /** NaN when it could not be read (no file descriptor left). */
  readonly rssBytes: number;
  readonly heapUsedBytes: number;
  /** `process.cpuUsage()` since the fleet started, µs. */
  readonly cpuUserUs: number;
  readonly cpuSystemUs: number;
}

export interface AddResult {
  readonly ids: readonly string[];
  readonly failed: readonly { readonly id: string; readonly message: string }[];
  /** Wall time to prepare and listen on all sockets of this batch. */
  readonly listenMs: number;
  readonly stats: FleetStats;
}

export interface RemoveResult {
  readonly ids: readonly string[];
  /** Ids that were not being served. */
  readonly missing: readonly string[];
}

export type FromFleet =
  | { readonly kind: 'started'; readonly pid: number }
  | ({ readonly kind: 'added'; readonly requestId: number } & AddResult)
  | ({ readonly kind: 'removed'; readonly requestId: number } & RemoveResult)
  | {
      readonly kind: 'logs';
      readonly requestId: number;
      /** Per plugin: id, flat log (see `RequestLog.take`), entries dropped at the cap. */
      readonly logs: readonly (readonly [string, Float64Array, number])[];
    }
  | ({ readonly kind: 'stats'; readonly requestId: number } & FleetStats)
  | { readonly kind: 'stopped'; readonly requestId: number }
  | { readonly kind: 'error'; readonly requestId: number | null; readonly message: string };
