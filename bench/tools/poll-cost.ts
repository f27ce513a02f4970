/**
 * What does one poll cost, and which part? CPU time (this process, user + system, GC included) per
 * `GET /report` of a 2 KB report, for the layers of a poll taken one at a time, against a fleet in
 * its own process. Answers "where do the host's ~0.2 ms per poll go" without the host's threads
 * and scheduling in the way.
 *
 *   node --import tsx bench/tools/poll-cost.ts [--plugins 200] [--rounds 20] [--concurrency 16] [--bytes 2048]
 *
 * CPU time, not wall time, so other load on the machine disturbs it less (not at all is too much
 * to hope for on 2 shared cores: compare rows of one run, not runs).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client } from 'undici';
import { decodeReport } from '../../src/shared/report/index.js';
import { PluginClient } from '../../src/workers/plugin-client.js';
import { validatePoll } from '../../src/workers/poll-validation.js';
import { fakePlugins, startFleet } from '../fleet/client.js';

const { values } = parseArgs({
  options: {
    plugins: { type: 'string', default: '200' },
    rounds: { type: 'string', default: '20' },
    concurrency: { type: 'string', default: '16' },
    bytes: { type: 'string', default: '2048' },
  },
});
const N = Number(values.plugins);
const ROUNDS = Number(values.rounds);
const CONC = Number(values.concurrency);
const WARMUP = Math.max(1, Math.ceil(2000 / N));
const root = mkdtempSync(join(tmpdir(), 'pc-'));
const ids = fakePlugins(N).map((p) => p.id);
const sock = (id: string): string => join(root, id, `${id}.sock`);
const QUERY = 'api_version=1&probe_id=abc';

type Poll = (i: number) => Promise<unknown>;

/** CPU µs per call of `poll` over ROUNDS × N calls, CONC at a time, after WARMUP rounds (JIT). */
async function cost(poll: Poll): Promise<number> {
  const round = async (): Promise<void> => {
    let next = 0;
    await Promise.all(
      Array.from({ length: CONC }, async () => {
        while (next < N) await poll(next++);
      }),
    );
  };
  for (let r = 0; r < WARMUP; r++) await round();
  const t0 = process.cpuUsage();
  for (let r = 0; r < ROUNDS; r++) await round();
  const d = process.cpuUsage(t0);
  return (d.user + d.system) / (ROUNDS * N);
}

function nodeHttpGet(agents: Agent[], i: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: sock(ids[i]!), path: `/report?${QUERY}`, agent: agents[i] }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * The floor under any HTTP client: one keep-alive socket per plugin, the request written as one
 * prepared buffer, the answer read up to its Content-Length. No status, chunking, gzip, limits
 * or errors handled: not a client, only what Node's sockets cost before an HTTP library adds its own.
 */
function rawSockets(): { get: (i: number) => Promise<Buffer>; close: () => void } {
  const request = Buffer.from(`GET /report?${QUERY} HTTP/1.1\r\nhost: plugin\r\n\r\n`, 'latin1');
  const sockets: Socket[] = [];
  const getters = ids.map((id) => {
    let socket: Socket | null = null;
    let waiting: { resolve: (b: Buffer) => void; reject: (e: Error) => void } | null = null;
    let buffered: Buffer = Buffer.alloc(0);
    let end = -1;
    let bodyStart = 0;
    const onData = (chunk: Buffer): void => {
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
      if (end < 0) {
        const head = buffered.indexOf('\r\n\r\n');
        if (head < 0) return;
        const length = /content-length: *(\d+)/i.exec(buffered.toString('latin1', 0, head));
        if (!length) return waiting?.reject(new Error('raw client needs Content-Length'));
        bodyStart = head + 4;
        end = bodyStart + Number(length[1]);
      }
      if (buffered.length < end) return;
      const body = buffered.subarray(bodyStart, end);
      buffered = Buffer.alloc(0);
      end = -1;
      const w = waiting!;
      waiting = null;
      w.resolve(body);
    };
    return () =>
      new Promise<Buffer>((resolve, reject) => {
        if (socket === null) {
          socket = connect(sock(id));
          sockets.push(socket);
          socket.on('data', onData);
          socket.on('error', (err) => waiting?.reject(err));
        }
        waiting = { resolve, reject };
        socket.write(request);
      });
  });
  return { get: (i) => getters[i]!(), close: () => sockets.forEach((s) => s.destroy()) };
}

const fleet = startFleet({ root, plugins: fakePlugins(N, { reportBytes: Number(values.bytes) }) });
await fleet.ready;
const rows: [string, number][] = [];
try {
  const raw = rawSockets();
  rows.push(['raw net socket, no HTTP library (the floor)', await cost(raw.get)]);
  raw.close();

  const agents = ids.map(() => new Agent({ keepAlive: true, maxSockets: 1 }));
  rows.push(['node:http keep-alive, body as string', await cost((i) => nodeHttpGet(agents, i))]);
  rows.push(['node:http + JSON.parse', await cost(async (i) => JSON.parse(await nodeHttpGet(agents, i)))]);
  for (const a of agents) a.destroy();

  const clients = ids.map((id) => new Client('http://localhost', { socketPath: sock(id), keepAliveTimeout: 30_000 }));
  const undiciGet = async (i: number): Promise<string> => {
    const { body } = await clients[i]!.request({ path: `/report?${QUERY}`, method: 'GET' });
    return body.text();
  };
  rows.push(['undici Client.request, body.text()', await cost(undiciGet)]);
  rows.push([
    'undici + AbortController/timer deadline',
    await cost(async (i) => {
      const ac = new AbortController();
      const t = setTimeout(() => ac.abort(), 500);
      try {
        const { body } = await clients[i]!.request({ path: `/report?${QUERY}`, method: 'GET', signal: ac.signal });
        return await body.text();
      } finally {
        clearTimeout(t);
      }
    }),
  ]);
  await Promise.all(clients.map((c) => c.close()));

  const pcs = ids.map((id) => new PluginClient({ socketPath: sock(id), probeId: 'abc', apiVersion: '1', timeoutMs: 500, maxResponseBytes: 50 << 20 }));
  rows.push(["host's PluginClient.get('/report')", await cost((i) => pcs[i]!.get('/report'))]);
  rows.push([
    "host's PluginClient + validatePoll (decode)",
    await cost(async (i) => {
      const r = await pcs[i]!.get('/report');
      return validatePoll(r, { pluginId: ids[i]!, apiVersion: '1', storedSpec: { id: ids[i]!, label: ids[i]!, interfaces: null } });
    }),
  ]);
  const bodies = await Promise.all(ids.map((_, i) => pcs[i]!.get('/report').then((r) => (r.answered ? r.body.toString('utf8') : ''))));
  await Promise.all(pcs.map((p) => p.destroy()));
  rows.push(['JSON.parse alone', await cost(async (i) => JSON.parse(bodies[i]!))]);
  rows.push(['decodeReport alone', await cost(async (i) => decodeReport(bodies[i]!))]);
} finally {
  await fleet.stop();
  rmSync(root, { recursive: true, force: true });
}
console.log(`CPU µs per poll (${N} plugins × ${values.bytes} B, ${ROUNDS} rounds, ${CONC} at a time; this process only)`);
for (const [name, us] of rows) console.log(`  ${us.toFixed(1).padStart(7)}  ${name}`);
