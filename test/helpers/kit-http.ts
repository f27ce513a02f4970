/**
 * A tiny HTTP client over unix sockets for the kit, example and fleet tests: plain `node:http`
 * with `socketPath`, a fresh connection per request (no agent), so tests leave no sockets open.
 */
import { request } from 'node:http';
import { gunzipSync } from 'node:zlib';

export interface UnixResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** Body as text, gunzipped if the server sent `Content-Encoding: gzip`. */
  text: string;
  /** Raw body bytes as received. */
  raw: Buffer;
  json(): any;
}

export function unixRequest(
  socketPath: string,
  path: string,
  opts: { method?: string; body?: string; headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<UnixResponse> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path, method: opts.method ?? 'GET', headers: { Host: 'plugin', ...opts.headers }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const raw = Buffer.concat(chunks);
        const text = (res.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, raw, json: () => JSON.parse(text) });
      });
    });
    req.on('error', reject);
    if (opts.timeoutMs !== undefined) {
      req.setTimeout(opts.timeoutMs, () => req.destroy(Object.assign(new Error('client timeout'), { code: 'TIMEOUT' })));
    }
    req.end(opts.body);
  });
}

/** `GET /report?api_version=1&probe_id=<id>`, the way a current-era host asks. */
export function getReport(socketPath: string, probeId = 'abc123', headers?: Record<string, string>): Promise<UnixResponse> {
  return unixRequest(socketPath, `/report?api_version=1&probe_id=${probeId}`, { headers });
}

/** `POST /control` with a probe-style body. */
export function postControl(socketPath: string, body: unknown, probeId = 'abc123'): Promise<UnixResponse> {
  return unixRequest(socketPath, `/control?api_version=1&probe_id=${probeId}`, {
    method: 'POST',
    body: typeof body === 'string' ? body : JSON.stringify(body),
    headers: { 'Content-Type': 'application/json' },
  });
}
