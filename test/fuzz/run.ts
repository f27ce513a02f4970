/**
 * The fuzz run: the real host (in this process: shard worker threads, discovery, API) polls a few
 * healthy plugins and a set of fuzz plugins, each of which answers every `GET /report` with the
 * next generated case (answers.ts). Throughout, the host must stay up (no shard worker restart),
 * every polled plugin must have a status (`ok` or `error: …`), the healthy plugins must stay
 * `ok`, and the merged report must stay readable. A violation names the seed and the cases
 * served just before it, with their bytes.
 */
import { servePlugin, type PluginServer } from '../../src/kit/index.js';
import type { PluginRow } from '../../src/main/core/plugin-table.js';
import { ErrorCode } from '../../src/shared/errors.js';
import { startTestHost, type TestHost } from '../helpers/host.js';
import { tempDir } from '../helpers/tmp.js';
import { onRequestHeads, serveRaw, type Running } from '../helpers/unix-servers.js';
import { fuzzCase, validReport, type FuzzCase } from './answers.js';

export interface FuzzOptions {
  seed: number;
  cases: number;
  /** Serve only this case (to reproduce it). */
  only?: number;
  fuzzPlugins?: number;
  healthyPlugins?: number;
  log?: (line: string) => void;
}

export interface FuzzResult {
  served: number;
  failures: string[];
  /** Fuzz plugin statuses seen while sampling (`ok` or the error code), a rough picture of coverage. */
  outcomes: Map<string, number>;
}

interface Served {
  readonly c: FuzzCase;
  readonly plugin: string;
  readonly at: number;
}

const POLL_MS = 100;

export async function runFuzz(o: FuzzOptions): Promise<FuzzResult> {
  const log = o.log ?? (() => {});
  const dir = await tempDir('sph-fuzz-');
  const root = dir.path;
  const indices = o.only !== undefined ? [o.only] : Array.from({ length: o.cases }, (_, i) => i);
  // Case i is always served by plugin fuzz-(i mod P): its bytes name that plugin's id.
  const pluginCount = Math.max(1, o.fuzzPlugins ?? 24);
  const served: Served[] = [];
  const failures: string[] = [];
  const outcomes = new Map<string, number>();
  const servers: Running[] = [];
  const healthy: PluginServer[] = [];
  let host: TestHost | undefined;

  const fail = (what: string, suspects: readonly Served[]): void => {
    if (failures.length >= 5) return;
    failures.push(`${what}\n${suspects.slice(-4).map(describeCase).join('\n')}`);
  };

  try {
    host = await startTestHost({
      pluginsRoot: root,
      pollIntervalMs: POLL_MS,
      failureBackoffMaxMs: POLL_MS,
      rescanIntervalMs: 60_000,
      workers: 2,
      logLevel: 'warn',
    });
    for (let i = 0; i < (o.healthyPlugins ?? 4); i++) {
      const id = `healthy-${i}`;
      healthy.push(await servePlugin({ id, root, spec: { label: id }, report: () => validReport(id) }));
    }
    const queues = new Map<string, number[]>();
    for (const i of indices) {
      const id = `fuzz-${i % pluginCount}`;
      queues.set(id, [...(queues.get(id) ?? []), i]);
    }
    for (const [id, queue] of queues) {
      servers.push(
        await serveRaw(`${root}/${id}.sock`, (s) =>
          onRequestHeads(s, (head) => {
            if (!head.startsWith('GET /report')) {
              s.write('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
              return;
            }
            // Replaying one case: it is served on every poll, so the status shows its outcome.
            const index = o.only !== undefined ? o.only : queue.shift();
            if (o.only !== undefined && queue.length === 0 && served.length > 0) {
              const c = fuzzCase(o.seed, o.only, id);
              if (c.close) s.end(c.bytes);
              else s.write(c.bytes);
              return;
            }
            if (o.only !== undefined) queue.shift();
            if (index === undefined) {
              const ok = JSON.stringify(validReport(id));
              s.write(`HTTP/1.1 200 OK\r\nContent-Length: ${Buffer.byteLength(ok)}\r\n\r\n${ok}`);
              return;
            }
            const c = fuzzCase(o.seed, index, id);
            served.push({ c, plugin: id, at: Date.now() });
            if (c.close) s.end(c.bytes);
            else s.write(c.bytes);
          }),
        ),
      );
    }

    const h = host;
    const deadline = Date.now() + Math.max(30_000, indices.length * 400);
    let lastReport = 0;
    let finalRound = 0;
    const pollsSeen = new Map<string, number>();
    while (failures.length === 0) {
      await new Promise((r) => setTimeout(r, 250));
      const rows = (await h.get<PluginRow[]>('/api/plugins')).body;
      const now = Date.now();
      const restarts = h.service.core.workerRestarts();
      if (restarts.some((n) => n > 0))
        fail(
          `a shard worker died and was restarted (${restarts.join(', ')})`,
          served.filter((x) => now - x.at < 2000),
        );
      for (const row of rows) {
        const isHealthy = row.id.startsWith('healthy-');
        if (!isHealthy && row.status !== undefined && row.polls !== pollsSeen.get(row.id)) {
          pollsSeen.set(row.id, row.polls);
          const key = row.status === 'ok' ? 'ok' : (row.errorCode ?? 'error');
          outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
        }
        if (row.status !== undefined && row.status !== 'ok' && !row.status.startsWith('error: ')) {
          fail(
            `plugin ${row.id} has a malformed status ${JSON.stringify(row.status)}`,
            served.filter((x) => x.plugin === row.id),
          );
        }
        if (isHealthy && row.polls > 0 && row.status !== 'ok' && row.errorCode !== ErrorCode.TIMEOUT) {
          fail(
            `healthy plugin ${row.id} is not ok: ${row.status}`,
            served.filter((x) => now - x.at < 2000),
          );
        }
        const mine = served.filter((x) => x.plugin === row.id);
        if (!isHealthy && mine.length > 0 && now - mine[0]!.at > 2000 && row.status === undefined) {
          fail(`plugin ${row.id} was polled but has no status`, mine);
        }
      }
      if (now - lastReport > 2000 || finalRound > 0) {
        lastReport = now;
        const report = await fetch(`${h.url}/api/report`);
        const text = await report.text();
        try {
          if (report.status !== 200) throw new Error(`HTTP ${report.status}`);
          JSON.parse(text);
        } catch (err) {
          fail(
            `GET /api/report is unreadable: ${(err as Error).message}: ${text.slice(0, 200)}`,
            served.filter((x) => now - x.at < 2000),
          );
        }
      }
      const left = [...queues.values()].reduce((n, q) => n + q.length, 0);
      if (left === 0) {
        // Two more samples after the last case, so its outcome is in the table.
        if (++finalRound > 8) {
          for (const row of rows) {
            if (row.id.startsWith('healthy-') && row.status !== 'ok') fail(`healthy plugin ${row.id} ended as ${row.status}`, served.slice(-4));
            if (row.id.startsWith('fuzz-') && row.status === undefined)
              fail(
                `plugin ${row.id} ended without a status`,
                served.filter((x) => x.plugin === row.id),
              );
          }
          const replayed = rows.find((r) => r.id.startsWith('fuzz-'));
          if (o.only !== undefined && served[0]) log(`${describeCase(served[0])}\n  status: ${replayed?.status ?? '(none)'}`);
          break;
        }
      } else if (now > deadline) {
        fail(`only ${served.length} of ${indices.length} cases were polled in time`, served.slice(-4));
      }
    }
    log(`seed ${o.seed}: ${served.length} cases served, ${failures.length} failure(s)`);
    return { served: served.length, failures, outcomes };
  } finally {
    await host?.close();
    for (const p of healthy) await p.close();
    for (const s of servers) await s.close();
    await dir.cleanup();
  }
}

/** The case, enough to see what it was and to regenerate it. */
export function describeCase(s: Served): string {
  const { c } = s;
  const bytes =
    c.bytes.length <= 4096
      ? c.bytes.toString('base64')
      : `${c.bytes.subarray(0, 4096).toString('base64')}… (${c.bytes.length} bytes; --only regenerates them all)`;
  return [
    `  case ${c.index} of seed ${c.seed}, served to ${s.plugin}${c.close ? ', then closed' : ''}: ${c.mutations.join('; ')}`,
    `    reproduce: npm run fuzz -- --seed ${c.seed} --only ${c.index}`,
    `    bytes (base64): ${bytes}`,
  ].join('\n');
}
