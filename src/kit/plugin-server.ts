/**
 * `servePlugin`: a Scope probe plugin as an HTTP server on a unix socket.
 *
 * Routes (docs/spec/plugin-protocol.md#eras, #post-control):
 *   GET  /report   → the plugin's report, with `Plugins: [spec]` added (current era)
 *   POST /control  → the control handler's answer (only if a handler was given)
 *   GET  /         → the seed-era handshake (only with `handshake: true`; 404 otherwise, which is
 *                    how a host tells a current-era plugin from a 2016 one)
 *   anything else  → 404 `{error}`
 *
 * Every server in the process shares one request listener and finds its own state through the
 * server object, so thousands of plugins in one process (the benchmark fleet) cost one closure-free
 * `http.Server` each.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import {
  DEFAULT_PLUGIN_ROOT,
  defaultSocketPath,
  forgetOnProcessExit,
  isValidPluginId,
  prepareSocketPlace,
  removeCreatedDir,
  removeOnProcessExit,
  removeSocketPlace,
  type SocketPlace,
} from './socket-place.js';
import { BodyTooLarge, parseControlRequest, readBody } from './control-request.js';
import type { ControlRequest, ControlResponse, PluginServer, PluginSpecWire, RequestContext, ServePluginOptions } from './types.js';

const gzip = promisify(gzipCallback);

/** Control bodies are a few hundred bytes; anything near this is not a probe talking. */
const MAX_CONTROL_BODY_BYTES = 1024 * 1024;

/** Epoch ms with µs precision (Date.now() has only ms). */
const now = (): number => performance.timeOrigin + performance.now();

interface Endpoint {
  readonly options: ServePluginOptions;
  readonly spec: PluginSpecWire;
  readonly reportSpec: boolean;
  readonly stats: { reports: number; controls: number };
}

const endpoints = new WeakMap<Server, Endpoint>();

/**
 * Starts a plugin: validates the id, prepares `<root>/<id>/` (0700), replaces a stale socket left
 * by a crashed run and listens. Resolves once the socket accepts connections.
 */
/** Longest unix socket path, in UTF-8 bytes: Linux's 108-byte `sun_path` less the terminating NUL. */
const MAX_SOCKET_PATH_BYTES = 107;

export async function servePlugin(options: ServePluginOptions): Promise<PluginServer> {
  const { id } = options;
  if (!isValidPluginId(id)) {
    throw new TypeError(`invalid plugin id ${JSON.stringify(id)}: must match ^[A-Za-z0-9]+(-[A-Za-z0-9]+)*$`);
  }
  if (typeof options.report !== 'function') throw new TypeError('servePlugin: `report` must be a function');
  const socketPath = options.socketPath ?? defaultSocketPath(options.root ?? DEFAULT_PLUGIN_ROOT, id);
  const pathBytes = Buffer.byteLength(socketPath, 'utf8');
  if (pathBytes > MAX_SOCKET_PATH_BYTES) {
    // Node would cut the path to 108 bytes and listen somewhere else; hosts never dial it.
    throw new RangeError(
      `socket path ${socketPath} is ${pathBytes} bytes; a unix socket address holds at most ${MAX_SOCKET_PATH_BYTES}: use a shorter root or id`,
    );
  }
  const removeOnExit = options.removeOnExit ?? true;
  const endpoint: Endpoint = {
    options,
    spec: buildSpec(options),
    reportSpec: options.reportSpec ?? !options.handshake,
    stats: { reports: 0, controls: 0 },
  };

  const place = await prepareSocketPlace(socketPath);
  const server = createServer(handleRequest);
  endpoints.set(server, endpoint);
  try {
    await listen(server, socketPath);
  } catch (err) {
    // The path may now belong to whoever won a race for it: only undo our own directory.
    await removeCreatedDir(place);
    throw err;
  }
  if (removeOnExit) removeOnProcessExit(place);

  let closing: Promise<void> | undefined;
  return {
    id,
    socketPath,
    stats: endpoint.stats,
    close() {
      closing ??= closeServer(server, place, removeOnExit);
      return closing;
    },
  };
}

function buildSpec(options: ServePluginOptions): PluginSpecWire {
  const { spec } = options;
  const interfaces = spec.interfaces ?? (options.control ? ['reporter', 'controller'] : ['reporter']);
  // Alphabetical keys, as upstream's encoder writes them; an empty description is omitted like upstream.
  return {
    api_version: spec.api_version ?? '1',
    ...(spec.description ? { description: spec.description } : {}),
    id: options.id,
    interfaces: [...interfaces],
    label: spec.label,
  };
}

function listen(server: Server, socketPath: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

async function closeServer(server: Server, place: SocketPlace, removeOnExit: boolean): Promise<void> {
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    // Without this a hung handler or an idle keep-alive connection would hold close() forever.
    server.closeAllConnections();
  });
  forgetOnProcessExit(place);
  if (removeOnExit) await removeSocketPlace(place);
}

/**
 * Per-request state. The AbortController is made only when a handler reads `ctx.signal`: at
 * thousands of requests a second it is a measurable part of the cost, and most handlers never
 * look at it.
 */
class Exchange implements RequestContext {
  closed = false;
  #aborter: AbortController | undefined;
  constructor(
    readonly probeId: string,
    readonly apiVersion: string,
  ) {}
  get signal(): AbortSignal {
    if (this.#aborter === undefined) {
      this.#aborter = new AbortController();
      if (this.closed) this.#aborter.abort();
    }
    return this.#aborter.signal;
  }
  close(): void {
    this.closed = true;
    this.#aborter?.abort();
  }
}

function handleRequest(this: Server, req: IncomingMessage, res: ServerResponse): void {
  const endpoint = endpoints.get(this);
  const arrive = now();
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  const query = new URLSearchParams(q === -1 ? '' : url.slice(q + 1));
  const method = req.method ?? 'GET';
  const ctx = new Exchange(query.get('probe_id') ?? '', query.get('api_version') ?? '');
  const onRequest = endpoint?.options.onRequest;
  res.once('close', () => {
    if (res.writableFinished) return;
    ctx.close(); // the client went away before the answer was written
    onRequest?.({ method, path, arrive, finish: now(), status: 0 });
  });
  if (onRequest) res.once('finish', () => onRequest({ method, path, arrive, finish: now(), status: res.statusCode }));
  if (endpoint === undefined) return sendJson(res, 500, { error: 'plugin server not registered' });

  switch (path) {
    case '/report':
      if (method !== 'GET') return methodNotAllowed(res, 'GET');
      endpoint.stats.reports++;
      return void serveReport(endpoint, req, res, ctx).catch((err: unknown) => failExchange(res, ctx, err));
    case '/control':
      if (!endpoint.options.control) return sendJson(res, 404, { error: 'not found' });
      if (method !== 'POST') return methodNotAllowed(res, 'POST');
      endpoint.stats.controls++;
      return void serveControl(endpoint, req, res, ctx).catch((err: unknown) => failExchange(res, ctx, err));
    case '/':
      if (!endpoint.options.handshake) return sendJson(res, 404, { error: 'not found' });
      if (method !== 'GET') return methodNotAllowed(res, 'GET');
      return sendJson(res, 200, handshakeOf(endpoint.spec));
    default:
      return sendJson(res, 404, { error: 'not found' });
  }
}

/** The seed-era `GET /` answer (docs/spec/plugin-protocol.md#handshake-era); keys alphabetical like the 2016 plugin. */
function handshakeOf(spec: PluginSpecWire): object {
  return {
    api_version: spec.api_version,
    ...(spec.description !== undefined ? { description: spec.description } : {}),
    interfaces: spec.interfaces,
    name: spec.id,
  };
}

async function serveReport(endpoint: Endpoint, req: IncomingMessage, res: ServerResponse, ctx: Exchange): Promise<void> {
  let body: string;
  try {
    const report = await endpoint.options.report(ctx);
    body = typeof report === 'string' ? report : JSON.stringify(endpoint.reportSpec ? withSpec(report, endpoint.spec) : report);
  } catch (err) {
    if (!ctx.closed) sendJson(res, 500, { error: messageOf(err) });
    return;
  }
  if (ctx.closed) return; // the client gave up; nobody to answer
  if (endpoint.options.gzip && acceptsGzip(req.headers['accept-encoding'])) {
    const zipped = await gzip(body);
    if (ctx.closed) return;
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip', 'Content-Length': zipped.length });
    res.end(zipped);
    return;
  }
  sendBody(res, 200, body);
}

async function serveControl(endpoint: Endpoint, req: IncomingMessage, res: ServerResponse, ctx: Exchange): Promise<void> {
  const control = endpoint.options.control;
  if (!control) return sendJson(res, 404, { error: 'not found' });
  let request: ControlRequest;
  try {
    request = parseControlRequest(await readBody(req, MAX_CONTROL_BODY_BYTES));
  } catch (err) {
    return sendJson(res, err instanceof BodyTooLarge ? 413 : 400, { error: messageOf(err) });
  }
  let response: ControlResponse;
  try {
    response = await control(request, ctx);
  } catch (err) {
    if (!ctx.closed) sendJson(res, 500, { error: messageOf(err) });
    return;
  }
  if (ctx.closed) return;
  const wire: Record<string, unknown> = {};
  if (response.value !== undefined) wire.value = response.value;
  if (response.error !== undefined && response.error !== '') wire.error = response.error;
  if (response.shortcutReport !== undefined) {
    wire.shortcutReport = endpoint.reportSpec ? withSpec(response.shortcutReport, endpoint.spec) : response.shortcutReport;
  }
  // An `error` still travels with 200: the probe passes it on and the app turns it into HTTP 400.
  // A non-200 here would read as a broken plugin instead.
  sendJson(res, 200, wire);
}

/** Last resort for a failure outside the handlers (e.g. gzip): answer 500, or drop the connection. */
function failExchange(res: ServerResponse, ctx: Exchange, err: unknown): void {
  if (ctx.closed) return;
  if (res.headersSent) res.destroy();
  else sendJson(res, 500, { error: messageOf(err) });
}

function withSpec(report: object, spec: PluginSpecWire): object {
  return Object.hasOwn(report, 'Plugins') ? report : { ...report, Plugins: [spec] };
}

function acceptsGzip(header: string | undefined): boolean {
  if (header === undefined) return false;
  return header.split(',').some((part) => {
    const [coding, ...params] = part.trim().split(';');
    if (coding?.trim().toLowerCase() !== 'gzip') return false;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}

function methodNotAllowed(res: ServerResponse, allow: string): void {
  res.setHeader('Allow', allow);
  sendJson(res, 405, { error: 'method not allowed' });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  sendBody(res, status, JSON.stringify(body));
}

function sendBody(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
