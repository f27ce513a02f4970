/**
 * One plugin in detail, for `GET /api/plugins/<id or socket>` and the status page: its row, what
 * its last good report contributes, its last error with the time, and its recent exchanges. The
 * row comes from the table; the rest lives in the plugin's actor and is asked of its shard.
 */
import { HostError, errorData, ErrorCode, type ErrorData } from '../../shared/errors.js';
import type { PluginDetailData, PollHistoryData } from '../../shared/protocol.js';
import type { TopologyContribution } from '../../shared/report/index.js';
import { iso, rowOf, type PluginRecord, type PluginRow, type PluginTable } from './plugin-table.js';
import type { Supervisor } from './supervisor.js';

export interface PluginDetail extends PluginRow {
  /** False for a socket whose plugin ID another socket serves (it is not polled). */
  serving: boolean;
  lastError: { code: string; message: string; at: string } | null;
  /** What the last good report (and shortcut reports since) adds to the merged report; null while there is none. */
  contribution: { bytes: number; topologies: readonly TopologyContribution[] } | null;
  /** Why there is no contribution or history although the plugin may have one (its worker restarting, say). */
  unavailable: ErrorData | null;
  /** The last exchanges (polls, failed handshakes), oldest first: epoch ms, ms, `ok` or the error code. */
  history: PollHistoryData;
}

const NO_HISTORY: PollHistoryData = { atMs: [], latencyMs: [], outcome: [] };

/** `ref`: a socket path (starts with `/`) or a plugin ID (the socket serving it). */
export function findPlugin(table: PluginTable, ref: string): PluginRecord | undefined {
  return ref.startsWith('/') ? table.get(ref) : table.serving(ref);
}

export async function pluginDetail(table: PluginTable, supervisor: Supervisor, ref: string): Promise<PluginDetail | null> {
  const record = findPlugin(table, ref);
  if (record === undefined) return null;
  let data: PluginDetailData | null = null;
  let unavailable: ErrorData | null = null;
  if (record.serving) {
    try {
      data = await supervisor.detail(record.key, record.shard);
    } catch (err) {
      unavailable = err instanceof HostError ? err.toData() : errorData(ErrorCode.INTERNAL, String(err));
    }
    // The socket vanished while its shard was asked.
    if (data === null && unavailable === null && table.get(record.key) === undefined) return null;
  }
  const lastFailure = data?.lastFailure ?? null;
  const tableError = record.state.lastError;
  const lastError =
    lastFailure !== null
      ? { code: lastFailure.error.code, message: lastFailure.error.message, at: iso(lastFailure.atMs)! }
      : tableError !== null
        ? { code: tableError.code, message: tableError.message, at: iso(record.counters.lastErrorAt) ?? '' }
        : null;
  return {
    ...rowOf(record),
    serving: record.serving,
    lastError,
    contribution: data?.contribution ?? null,
    unavailable: unavailable ?? data?.contributionError ?? null,
    history: data?.history ?? NO_HISTORY,
  };
}
