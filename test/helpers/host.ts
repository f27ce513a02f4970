/**
 * Starts the real service in this process (real shard worker threads, real discovery, real HTTP
 * API on an ephemeral loopback port) with a test config, and captures its log lines.
 */
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { DEFAULTS, type HostConfig } from '../../src/main/config/schema.js';
import { startService, type RunningService, type ServiceOptions } from '../../src/main/service.js';

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

export interface TestHost {
  readonly url: string;
  readonly service: RunningService;
  readonly logs: LogLine[];
  get<T = unknown>(path: string): Promise<{ status: number; body: T; headers: Headers }>;
  post<T = unknown>(path: string, body: unknown): Promise<{ status: number; body: T }>;
  close(): Promise<void>;
}

export type ConfigOverrides = Partial<Omit<HostConfig, 'handshake' | 'publish' | 'metrics'>> & {
  handshake?: Partial<HostConfig['handshake']>;
  publish?: Partial<HostConfig['publish']>;
  metrics?: Partial<HostConfig['metrics']>;
};

export function testConfig(overrides: ConfigOverrides = {}): HostConfig {
  return {
    ...structuredClone(DEFAULTS as HostConfig),
    probeId: 'abcdef0123456789',
    workers: 2,
    listen: { host: '127.0.0.1', port: 0 },
    logLevel: 'debug',
    ...overrides,
    handshake: { ...DEFAULTS.handshake, ...overrides.handshake },
    publish: { ...(structuredClone(DEFAULTS.publish) as HostConfig['publish']), ...overrides.publish },
    metrics: { ...DEFAULTS.metrics, ...overrides.metrics },
  };
}

export function captureLogger(logs: LogLine[]): Logger {
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) logs.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  return pino({ level: 'debug' }, stream);
}

export async function startTestHost(overrides: ConfigOverrides = {}, options: ServiceOptions = {}): Promise<TestHost> {
  const logs: LogLine[] = [];
  const service = await startService(testConfig(overrides), captureLogger(logs), options);
  const url = service.url;
  return {
    url,
    service,
    logs,
    async get<T>(path: string) {
      const res = await fetch(url + path);
      const text = await res.text();
      return { status: res.status, body: (text ? JSON.parse(text) : null) as T, headers: res.headers };
    },
    async post<T>(path: string, body: unknown) {
      const res = await fetch(url + path, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
    },
    close: () => service.close(),
  };
}
