/**
 * Minimal HTTP client for talking to the host (or the baseline) over loopback: node:http with one
 * keep-alive agent, no gzip (so neither side spends CPU compressing for the measurer), and the
 * moment the response headers arrived, which is when the answer existed.
 */
import { Agent, request } from 'node:http';

// Enough sockets that no request waits in the agent: the control probe keeps up to 200 clicks in
// flight against a serial baseline that answers them only between its (up to 10 s) cycles, and
// a click queued here would be timed from before it was sent.
const agent = new Agent({ keepAlive: true, maxSockets: 256 });

export interface HttpReply {
  readonly status: number;
  readonly body: string;
  /** Epoch ms when the status line and headers arrived. */
  readonly headersAt: number;
  /** Epoch ms when the request was sent. */
  readonly sentAt: number;
  /** Epoch ms when the whole body was read. */
  readonly doneAt: number;
}

/** Epoch ms with sub-ms precision: the bench's one clock for timing requests and windows. */
export const epochNow = (): number => performance.timeOrigin + performance.now();

export function http(url: string, opts: { method?: string; body?: string; timeoutMs?: number } = {}): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const sentAt = epochNow();
    const req = request(
      url,
      {
        agent,
        method: opts.method ?? 'GET',
        headers: opts.body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(opts.body) },
        signal: AbortSignal.timeout(opts.timeoutMs ?? 30_000),
      },
      (res) => {
        const headersAt = epochNow();
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headersAt, sentAt, doneAt: epochNow() }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

export async function getJson<T>(url: string, timeoutMs?: number): Promise<T> {
  const r = await http(url, { timeoutMs });
  if (r.status !== 200) throw new Error(`GET ${url}: HTTP ${r.status}: ${r.body.slice(0, 200)}`);
  return JSON.parse(r.body) as T;
}

export function closeHttp(): void {
  agent.destroy();
}
