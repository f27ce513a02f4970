/**
 * The upstream-like baseline: a serial poller that does what Scope's probe registry does
 * (docs/spec/plugin-protocol.md#get-report and #post-control):
 *
 * - every spy tick (1 s) it polls every plugin **one after another, in sorted socket-path order**,
 *   `GET /report` with a 500 ms deadline for the whole exchange, decodes with JSON.parse, checks
 *   the spec and folds the report into one object; the cycle's result becomes the served report;
 * - ticks come from a fixed grid with one pending tick (Go's `time.Tick`): a cycle longer than the
 *   interval is followed at once by the next one;
 * - the cycle holds the registry lock: the 5 s rescan and control requests wait for it, and the
 *   next cycle waits for running controls (a Go RWMutex with a queued writer);
 * - a timed-out request's connection is closed (Go's transport does that), so the next poll dials
 *   again; other connections are kept alive, one per plugin.
 *
 * It serves the same small API as the host so the harness measures both with the same code:
 * `GET /api/report`, `GET /api/plugins`, `POST /api/control`, `GET /metrics` (poll outcomes and
 * the main thread's ELU since the previous scrape). Node builtins only: the harness transpiles
 * this directory to plain JS so the baseline does not carry a TS loader (bench/baseline/build.ts).
 *
 *   node serial-poller.js --root DIR [--listen 127.0.0.1:0] [--interval-ms 1000] [--timeout-ms 500]
 * Prints `ready <url>` on stdout once listening and after the first scan.
 */
import { readdirSync, realpathSync } from 'node:fs';
import { Agent, createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { checkSpec, emptyFold, foldInto, type SpecWithStatus } from './fold.js';

const MAX_BYTES = 50 * 1024 * 1024;
const ID = /^[A-Za-z0-9]+(-[A-Za-z0-9]+)*$/;

const { values: args } = parseArgs({
  options: {
    root: { type: 'string' },
    listen: { type: 'string', default: '127.0.0.1:0' },
    'interval-ms': { type: 'string', default: '1000' },
    'timeout-ms': { type: 'string', default: '500' },
    'rescan-ms': { type: 'string', default: '5000' },
    'probe-id': { type: 'string', default: '5eed5eed5eed5eed' },
  },
});
if (!args.root) throw new Error('--root is required');
const ROOT = args.root;
const INTERVAL = Number(args['interval-ms']);
const TIMEOUT = Number(args['timeout-ms']);
const RESCAN = Number(args['rescan-ms']);
const QUERY = `api_version=1&probe_id=${args['probe-id']}`;

interface Plugin {
  readonly socket: string;
  readonly id: string;
  readonly agent: Agent;
  spec: SpecWithStatus;
  lastOkAt: number | null;
  polls: number;
}

/** Keyed by socket path; iteration order is the sorted scan order (rebuilt at each rescan). */
let plugins = new Map<string, Plugin>();
let served = JSON.stringify(emptyFold());
const outcomes = new Map<string, number>();
let lastElu = performance.eventLoopUtilization();

// ---- discovery: a full recursive scan, applied under the lock ----------------------------------
function scan(): void {
  let found: string[] = [];
  try {
    found = readdirSync(ROOT, { recursive: true, withFileTypes: true })
      .filter((d) => d.isSocket())
      .map((d) => join((d as unknown as { parentPath?: string; path: string }).parentPath ?? d.path, d.name))
      .sort();
  } catch {
    // a missing root means no plugins (upstream logs and retries at the next scan)
  }
  const next = new Map<string, Plugin>();
  for (const socket of found) {
    const id = basename(socket).replace(/\.[^.]*$/, '');
    if (!ID.test(id)) continue;
    const old = plugins.get(socket);
    next.set(socket, old ?? { socket, id, agent: new Agent({ keepAlive: true, maxSockets: 1 }), spec: { id, label: id }, lastOkAt: null, polls: 0 });
  }
  for (const [socket, p] of plugins) if (!next.has(socket)) p.agent.destroy();
  plugins = next;
}

// ---- one exchange with a plugin under one deadline ------------------------------------------------
type Outcome = { ok: true; body: string } | { ok: false; code: string; message: string };

function exchange(p: Plugin, method: 'GET' | 'POST', path: string, body?: string): Promise<Outcome> {
  return new Promise((resolve) => {
    const ac = new AbortController();
    let done = false;
    const finish = (o: Outcome): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(o);
    };
    const timer = setTimeout(() => {
      ac.abort();
      finish({ ok: false, code: 'PLUGIN_TIMEOUT', message: 'context deadline exceeded' });
    }, TIMEOUT);
    const headers: Record<string, string | number> =
      body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
    const req = request({ socketPath: p.socket, path: `${path}?${QUERY}`, method, agent: p.agent, signal: ac.signal, headers }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_BYTES) req.destroy(new Error('response must be shorter than 50MB'));
        else chunks.push(c);
      });
      res.on('end', () => {
        if (res.statusCode !== 200) finish({ ok: false, code: 'PLUGIN_HTTP_STATUS', message: `plugin returned non-200 status code: ${res.statusCode}` });
        else finish({ ok: true, body: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', (err) => finish({ ok: false, code: 'PLUGIN_TRANSPORT', message: err.message }));
    });
    req.on('error', (err) => finish({ ok: false, code: 'PLUGIN_TRANSPORT', message: err.message }));
    req.end(body);
  });
}

async function poll(p: Plugin, acc: Record<string, unknown>): Promise<void> {
  p.polls++;
  const r = await exchange(p, 'GET', '/report');
  let status: string;
  let code: string;
  if (!r.ok) {
    status = `error: ${r.message}`;
    code = r.code;
  } else {
    try {
      const report = JSON.parse(r.body) as Record<string, unknown>;
      const checked = checkSpec(report, p.id, '1');
      if (checked.spec) p.spec = { ...checked.spec };
      status = checked.status;
      code = status === 'ok' ? 'ok' : 'PLUGIN_INVALID';
      if (status === 'ok') {
        foldInto(acc, report);
        p.lastOkAt = Date.now();
      }
    } catch (err) {
      status = `error: decoding error: ${(err as Error).message}`;
      code = 'PLUGIN_DECODE';
    }
  }
  p.spec.status = status;
  outcomes.set(code, (outcomes.get(code) ?? 0) + 1);
}

// ---- the spy loop with its lock ----------------------------------------------------------------
let cycle: Promise<void> | null = null;
const controls = new Set<Promise<unknown>>();
let rescanDue = true;
setInterval(() => (rescanDue = true), RESCAN).unref();

async function runCycle(): Promise<void> {
  // A writer waits for the readers that got the lock first.
  while (controls.size > 0) await Promise.allSettled([...controls]);
  let release!: () => void;
  cycle = new Promise((r) => (release = r));
  try {
    if (rescanDue) {
      rescanDue = false;
      scan();
    }
    const acc = emptyFold();
    for (const p of plugins.values()) await poll(p, acc);
    acc['Plugins'] = [...plugins.values()].map((p) => ({ ...p.spec })).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    served = JSON.stringify(acc);
  } finally {
    cycle = null;
    release();
  }
}

async function spyLoop(): Promise<void> {
  // `grid` is the time of the tick being consumed; ticks fire at grid + k × INTERVAL.
  let grid = performance.now();
  for (;;) {
    await runCycle();
    const now = performance.now();
    const next = grid + INTERVAL;
    if (next > now) {
      await new Promise((r) => setTimeout(r, next - now));
      grid = next;
    } else {
      // time.Tick kept one tick while the cycle ran (the rest were dropped): go again at once;
      // the tick after it is the first grid point after now.
      grid = next + Math.floor((now - next) / INTERVAL) * INTERVAL;
    }
  }
}

async function control(body: string): Promise<{ status: number; body: string }> {
  while (cycle) await cycle; // the read lock waits for a running Report()
  const work = (async () => {
    const req = JSON.parse(body) as { AppID?: string; NodeID?: string; Control?: string; ControlArgs?: unknown };
    const [pluginId, raw] = String(req.Control ?? '').split('~', 2) as [string, string | undefined];
    const p = [...plugins.values()].find((x) => x.id === pluginId);
    if (!p || raw === undefined) return { status: 400, body: JSON.stringify({ error: `Control "${req.Control}" not recognised` }) };
    const r = await exchange(
      p,
      'POST',
      '/control',
      JSON.stringify({ AppID: req.AppID ?? '', NodeID: req.NodeID ?? '', Control: raw, ControlArgs: req.ControlArgs ?? null }),
    );
    p.spec.status = r.ok ? 'ok' : `error: ${r.message}`;
    if (!r.ok) return { status: 400, body: JSON.stringify({ error: r.message }) };
    const reply = JSON.parse(r.body) as Record<string, unknown>;
    delete reply['shortcutReport'];
    return { status: typeof reply['error'] === 'string' && reply['error'] !== '' ? 400 : 200, body: JSON.stringify(reply) };
  })();
  controls.add(work);
  try {
    return await work;
  } finally {
    controls.delete(work);
  }
}

// ---- the API ----------------------------------------------------------------------------------
function metricsText(): string {
  const now = performance.eventLoopUtilization();
  const elu = performance.eventLoopUtilization(now, lastElu).utilization;
  lastElu = now;
  const lines = ['# TYPE scope_plugin_host_polls_total counter'];
  for (const [outcome, n] of outcomes) lines.push(`scope_plugin_host_polls_total{outcome="${outcome}"} ${n}`);
  lines.push('# TYPE scope_plugin_host_event_loop_utilization gauge', `scope_plugin_host_event_loop_utilization{worker="main"} ${elu}`);
  return `${lines.join('\n')}\n`;
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? '/').split('?', 1)[0];
  let status = 200;
  let body: string;
  let type = 'application/json';
  if (req.method === 'GET' && path === '/api/report') body = served;
  else if (req.method === 'GET' && path === '/api/plugins') {
    body = JSON.stringify(
      [...plugins.values()].map((p) => ({
        id: p.id,
        status: p.spec.status,
        socket: p.socket,
        polls: p.polls,
        lastOkAt: p.lastOkAt === null ? null : new Date(p.lastOkAt).toISOString(),
      })),
    );
  } else if (req.method === 'GET' && path === '/metrics') {
    body = metricsText();
    type = 'text/plain; version=0.0.4';
  } else if (req.method === 'GET' && path === '/healthz') body = '{"status":"ok"}';
  else if (req.method === 'POST' && path === '/api/control') {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    ({ status, body } = await control(Buffer.concat(chunks).toString('utf8')));
  } else {
    status = 404;
    body = '{"error":"not found"}';
  }
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

const [host, port] = [args.listen.slice(0, args.listen.lastIndexOf(':')), Number(args.listen.slice(args.listen.lastIndexOf(':') + 1))];
const server = createServer(
  (req, res) =>
    void handle(req, res).catch((err: Error) => {
      res.writeHead(500);
      res.end(JSON.stringify({ error: err.message }));
    }),
);
server.listen(port, host, () => {
  const addr = server.address() as { port: number };
  try {
    realpathSync(ROOT);
  } catch {
    process.stderr.write(`serial-poller: root ${ROOT} does not exist (yet)\n`);
  }
  process.stdout.write(`ready http://${host}:${addr.port}\n`);
  void spyLoop();
});
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => process.exit(0));
