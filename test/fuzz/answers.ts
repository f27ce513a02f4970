/**
 * Hostile plugin answers for the fuzz run: a valid `GET /report` answer, mutated at random in
 * its status line, headers, framing and JSON body. Pure: case `index` of `seed` is always the
 * same bytes, so a failing case is reproduced from its seed and index alone.
 */
import { gzipSync } from 'node:zlib';

export interface FuzzCase {
  readonly seed: number;
  readonly index: number;
  /** The whole answer, status line to last body byte. */
  readonly bytes: Buffer;
  /** The plugin closes the connection after writing (else it keeps it open). */
  readonly close: boolean;
  /** The mutations applied, for the failure report. */
  readonly mutations: readonly string[];
}

/** mulberry32: small, fast, good enough to pick mutations; seeded per case. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rand = ReturnType<typeof prng>;
const int = (r: Rand, n: number): number => Math.floor(r() * n);
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[int(r, xs.length)]!;

/** A valid report from plugin `id`: its spec and a host node with latest, metrics and a table. */
export function validReport(id: string): Record<string, unknown> {
  return {
    Plugins: [{ id, label: id, description: 'fuzzed', interfaces: ['reporter'], api_version: '1' }],
    Host: {
      nodes: {
        'fuzzhost;<host>': {
          latest: { [`${id}_state`]: { timestamp: '2026-12-07T10:00:00Z', value: 'running' } },
          metrics: { [`${id}_load`]: { samples: [{ date: '2026-12-07T10:00:00Z', value: 0.5 }], min: 0, max: 1 } },
        },
      },
      metric_templates: { [`${id}_load`]: { id: `${id}_load`, label: 'Load', format: 'percent', priority: 1 } },
      table_templates: { [`${id}-t`]: { id: `${id}-t`, label: 'T', prefix: `${id}_` } },
    },
  };
}

const WEIRD_STRINGS = ['', '\u0000', '\ud800', '\udc00x\ud800', '\u202e\u200b\ufeff', '😀'.repeat(50), 'x'.repeat(70_000), '<script>', '"\\', '\u2028\u2029'];
/** Numbers as JSON text, including ones JavaScript and Go read differently. */
const WEIRD_NUMBERS = ['1e308', '-1e308', '1e400', '-1e-400', '9007199254740993', '18446744073709551616', '-0', '0.1', '1E5', '123456789012345678901234567890'];

/** A JSON text for a value of any type, sometimes pathological. */
function weirdValue(r: Rand): string {
  switch (int(r, 9)) {
    case 0:
      return pick(r, WEIRD_NUMBERS);
    case 1:
      return JSON.stringify(pick(r, WEIRD_STRINGS));
    case 2:
      return pick(r, ['null', 'true', 'false', '[]', '{}']);
    case 3: {
      const depth = pick(r, [10, 1000, 100_000]);
      return '['.repeat(depth) + ']'.repeat(depth);
    }
    case 4: {
      const depth = pick(r, [10, 1000, 50_000]);
      return '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
    }
    case 5:
      return `[${Array.from({ length: pick(r, [3, 1000, 20_000]) }, (_, i) => i).join(',')}]`;
    case 6:
      return `{${Array.from({ length: pick(r, [3, 2000]) }, (_, i) => `"k${i}":${pick(r, ['1', '"v"', 'null', '{}'])}`).join(',')}}`;
    case 7:
      return JSON.stringify({ timestamp: pick(r, ['', 'yesterday', '9999-99-99T00:00:00Z', '2026-12-07T10:00:00Z']), value: pick(r, [1, 'v', null, [], {}]) });
    default:
      return JSON.stringify({ samples: pick(r, [null, [], [{ date: 'x', value: 'NaN' }], 'x']), min: pick(r, [0, 'a', null]), max: 1e308 });
  }
}

/** Replaces one value, chosen at random in the JSON tree, with `text`. */
function replaceSomewhere(r: Rand, root: unknown, text: string): string {
  const marker = `__fuzz_${int(r, 1e9)}__`;
  const paths: { parent: Record<string, unknown> | unknown[]; key: string | number }[] = [];
  // Shallow enough for any earlier mutation's nesting; the tree of a valid report is 8 deep.
  const walk = (v: unknown, depth: number): void => {
    if (depth > 8 || paths.length > 10_000) return;
    if (Array.isArray(v)) v.forEach((x, i) => (paths.push({ parent: v, key: i }), walk(x, depth + 1)));
    else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        paths.push({ parent: v as Record<string, unknown>, key: k });
        walk(x, depth + 1);
      }
    }
  };
  walk(root, 0);
  if (paths.length === 0) return JSON.stringify(root);
  const at = pick(r, paths);
  (at.parent as Record<string | number, unknown>)[at.key] = marker;
  return JSON.stringify(root).replace(JSON.stringify(marker), () => text);
}

/** The body: valid JSON mutated structurally or textually. */
function body(r: Rand, id: string, m: string[]): Buffer {
  const report = validReport(id);
  let text = JSON.stringify(report);
  const n = 1 + int(r, 3);
  for (let i = 0; i < n; i++) {
    switch (int(r, 12)) {
      case 0:
      case 1:
      case 2: {
        const value = weirdValue(r);
        // Only into a still-valid, still-shallow body: a deep one would overflow this generator's stack.
        if (!text.startsWith('{"Plugins":') || text.length > 100_000 || /[[{]{50}/.test(text)) break;
        try {
          text = replaceSomewhere(r, JSON.parse(text) as unknown, value);
          m.push(`value somewhere := ${value.slice(0, 40)}${value.length > 40 ? `… (${value.length} chars)` : ''}`);
        } catch {
          // an earlier mutation made it invalid JSON: leave it
        }
        break;
      }
      case 3: {
        const cut = int(r, text.length);
        m.push(`body truncated at ${cut}`);
        text = text.slice(0, cut);
        break;
      }
      case 4:
        m.push('duplicate keys');
        text = text.replace('{"Plugins":', `{"Plugins":[],"Host":${weirdValue(r)},"Plugins":`);
        break;
      case 5: {
        const spec = pick(r, [{ id: 'someone-else' }, { api_version: '2' }, { interfaces: [] }, { label: '' }, { id: 7 }]);
        m.push(`spec ${JSON.stringify(spec)}`);
        text = text.replace(`"id":"${id}"`, JSON.stringify(spec).slice(1, -1) + `,"id":"${id}"`);
        break;
      }
      case 6:
        m.push('Plugins is two specs');
        text = text.replace(/"Plugins":\[(\{[^\]]*\})\]/, '"Plugins":[$1,$1]');
        break;
      case 7: {
        const b = pick(r, ['\xff', '\xc3', '\xed\xa0\x80', '\x00', '\ufeff']);
        m.push(`byte(s) ${JSON.stringify(b)} inserted`);
        const at = int(r, text.length);
        text = text.slice(0, at) + b + text.slice(at);
        break;
      }
      case 8:
        m.push('top-level not an object');
        text = pick(r, ['[]', 'null', '"report"', '42', '']);
        break;
      case 9:
        m.push('trailing garbage');
        text += pick(r, [' ', '\n\n', '}', 'garbage', '{"Plugins":[]}']);
        break;
      case 10: {
        const topo = pick(r, ['Endpoint', 'Process', 'Container', 'Pod', 'Overlay', 'Unknown']);
        m.push(`topology ${topo} with many nodes`);
        const nodes = Object.fromEntries(
          Array.from({ length: pick(r, [10, 5000]) }, (_, i) => [
            `n${i};<${topo.toLowerCase()}>`,
            { latest: { k: { timestamp: '2026-12-07T10:00:00Z', value: String(i) } } },
          ]),
        );
        text = text.replace('{"Plugins":', `{"${topo}":${JSON.stringify({ nodes })},"Plugins":`);
        break;
      }
      default:
        m.push('unicode keys');
        text = text.replace('"Host":', '"Ho\\u0000st":{},"\\ud800":1,"Host":');
    }
  }
  // Mostly UTF-8, as a plugin would send; latin1 keeps raw bytes that a mutation inserted.
  return /[\x80-\xff]/.test(text) && r() < 0.5 ? Buffer.from(text, 'latin1') : Buffer.from(text, 'utf8');
}

const SPACES = [' ', '\t', '\x0b', '\x0c', '\xa0', '\r', ''];

/** One whole answer for case `index` of `seed`, from plugin `id`. */
export function fuzzCase(seed: number, index: number, id: string): FuzzCase {
  const r = prng((seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0);
  const m: string[] = [];
  let payload = body(r, id, m);
  const headers: string[] = ['Content-Type: application/json'];

  if (r() < 0.15) {
    const good = r() < 0.7;
    m.push(good ? 'gzip' : 'gzip, corrupted');
    payload = gzipSync(payload);
    if (!good) payload[int(r, payload.length)] ^= 0xff;
    headers.push(`Content-Encoding: ${pick(r, ['gzip', 'GZIP', 'gzip ', 'x-gzip', 'deflate'])}`);
  }

  let status = 'HTTP/1.1 200 OK';
  if (r() < 0.15) {
    status = pick(r, [
      'HTTP/1.0 200 OK',
      'HTTP/1.1 200',
      'HTTP/1.1 500 Internal Server Error',
      'HTTP/1.1 204 No Content',
      'HTTP/1.1 304 Not Modified',
      'HTTP/1.1 404 Not Found',
      'HTTP/1.1 2000 OK',
      'HTTP/2 200 OK',
      'HTTP/1.1 200 OK\x00',
      'ICY 200 OK',
      'HTTP/1.1 199 Odd',
      'HTTP/1.1 101 Switching Protocols',
    ]);
    m.push(`status line ${JSON.stringify(status)}`);
  }
  if (r() < 0.1) {
    m.push('1xx first');
    status = `HTTP/1.1 100 Continue\r\n\r\n${status}`;
  }

  let framed: Buffer;
  const sp = (): string => (r() < 0.7 ? ' ' : pick(r, SPACES));
  switch (int(r, 8)) {
    case 0:
    case 1:
    case 2: {
      framed = payload;
      headers.push(`Content-Length:${sp()}${payload.length}${r() < 0.8 ? '' : pick(r, SPACES)}`);
      m.push('Content-Length');
      break;
    }
    case 3: {
      const delta = pick(r, [-1, 1, 100, -payload.length]);
      framed = payload;
      headers.push(`Content-Length: ${payload.length + delta}`);
      m.push(`Content-Length off by ${delta}`);
      break;
    }
    case 4: {
      framed = payload;
      headers.push(`Content-Length: ${payload.length}`, `Content-Length: ${pick(r, [payload.length, payload.length + 1, 0])}`);
      m.push('two Content-Lengths');
      break;
    }
    case 5:
    case 6: {
      const te = r() < 0.8 ? 'chunked' : pick(r, ['Chunked', 'chunked\x0b', 'chunked, identity', 'gzip', ' chunked\xa0']);
      headers.push(`Transfer-Encoding: ${te}`);
      if (r() < 0.2) headers.push(`Content-Length: ${payload.length}`);
      framed = chunked(r, payload, m);
      m.push(`Transfer-Encoding ${JSON.stringify(te)}`);
      break;
    }
    default:
      framed = payload;
      m.push('close-delimited');
  }
  if (r() < 0.1) {
    const bad = pick(r, ['no colon', ' folded: x', 'X-A:\x00', `X-Big: ${'b'.repeat(70_000)}`, 'Connection: close', 'Keep-Alive: timeout=0']);
    headers.splice(int(r, headers.length + 1), 0, bad);
    m.push(`header ${JSON.stringify(bad.slice(0, 30))}`);
  }
  const nl = r() < 0.9 ? '\r\n' : '\n';
  let bytes = Buffer.concat([Buffer.from(`${status}\r\n${headers.map((h) => h + nl).join('')}${nl}`, 'latin1'), framed]);
  if (r() < 0.1) {
    const cut = int(r, bytes.length);
    m.push(`answer cut at byte ${cut} of ${bytes.length}`);
    bytes = bytes.subarray(0, cut);
  }
  const closeDelimited = m.includes('close-delimited');
  return { seed, index, bytes, close: closeDelimited || r() < 0.5, mutations: m };
}

/** Chunked encoding with random chunk sizes, sometimes malformed. */
function chunked(r: Rand, payload: Buffer, m: string[]): Buffer {
  const parts: Buffer[] = [];
  const broken = r() < 0.3 ? int(r, 5) : -1;
  if (broken >= 0) m.push(`chunking broken (${broken})`);
  for (let off = 0; off < payload.length;) {
    const size = Math.min(payload.length - off, 1 + int(r, 4096));
    let line = size.toString(16);
    if (broken === 0) line = ` ${line}`;
    if (broken === 1) line = `${line};ext="a;b"`;
    if (broken === 2) line = `${line}\x0b`;
    parts.push(Buffer.from(`${line}\r\n`, 'latin1'), payload.subarray(off, off + size), Buffer.from(broken === 3 ? '\n' : '\r\n'));
    off += size;
  }
  parts.push(Buffer.from(broken === 4 ? '0\r\n' : '0\r\n\r\n'));
  return Buffer.concat(parts);
}
