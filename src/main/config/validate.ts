/**
 * Checks a parsed config file against `ConfigFileSchema` and turns every problem into one human
 * line that names the key and the offending value (one line per key), e.g.
 * `pollIntervalMs: expected an integer >= 1, got "fast"` or
 * `unknown key "pollInterval" (did you mean "pollIntervalMs"?)`.
 * TypeBox's own messages ("Expected integer") name neither the key nor the limit, so the
 * expectation is described here from the failing sub-schema.
 */
import { Value, ValueErrorType } from '@sinclair/typebox/value';
import type { ValueError } from '@sinclair/typebox/value';
import { ConfigFileSchema, DEFAULTS, HTTP_URL_PATTERN, LISTEN_PATTERN, PROBE_ID_PATTERN } from './schema.js';
import type { ConfigFile } from './schema.js';
import { isHttpUrl, parseListen } from './address.js';
import { closest } from './suggest.js';

/** One config problem. `message` is the whole line after any `config FILE: ` / `--flag: ` prefix. */
export interface ConfigIssue {
  /** Dotted key (`handshake.retryMaxMs`, `publish.apps[1]`), or `""` for the document itself. */
  readonly key: string;
  readonly value: unknown;
  readonly message: string;
}

/** `issues` is never empty, holds at most one issue per key, in the file's order of keys. */
export type FileCheck = { ok: true; file: ConfigFile } | { ok: false; issues: ConfigIssue[] };

export function validateConfigFile(value: unknown): FileCheck {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, issues: [{ key: '', value, message: `expected a JSON object at the top level, got ${kindOf(value)}` }] };
  }
  // A value failing a union is reported once per branch at one path, and a wrong object once per
  // inner rule: the first error under a path already reported says it all.
  const issues: ConfigIssue[] = [];
  const reported: string[] = [];
  for (const error of Value.Errors(ConfigFileSchema, value)) {
    if (reported.some((path) => error.path === path || (path !== '' && error.path.startsWith(`${path}/`)))) continue;
    reported.push(error.path);
    issues.push(describeError(error));
  }

  // The schema's patterns are loose hints for editors; these are the exact checks.
  const file = value as ConfigFile;
  const clean = (path: string): boolean => !reported.includes(path);
  if (typeof file.listen === 'string' && clean('/listen')) {
    const listen = parseListen(file.listen);
    if (!listen.ok) issues.push(badAddress('listen', file.listen, listen.reason));
  }
  const apps = Array.isArray(file.publish?.apps) ? file.publish.apps : [];
  for (const [i, app] of apps.entries()) {
    if (typeof app === 'string' && clean(`/publish/apps/${i}`) && !isHttpUrl(app)) issues.push(notUrl(`publish.apps[${i}]`, app));
  }
  const handshake: unknown = file.handshake;
  if (handshake !== null && typeof handshake === 'object' && !Array.isArray(handshake) && clean('/handshake')) {
    const bound = handshakeBoundIssue(handshake);
    if (bound !== null && !issues.some((i) => i.key === bound.key)) issues.push(bound);
  }
  if (issues.length === 0) return { ok: true, file };
  // In the order the file has its top-level keys, as a reader goes through it.
  const order = Object.keys(value);
  const rank = (issue: ConfigIssue): number => order.indexOf(issue.key.split(/[.[]/)[0]!);
  return { ok: false, issues: issues.sort((a, b) => rank(a) - rank(b)) };
}

/**
 * retryInitialMs <= retryMaxMs, blamed on the key the file set: the one the user wrote, or
 * retryMaxMs when both are written. Values that are not integers are left to the schema check,
 * so this can also run on a file that has other errors.
 */
export function handshakeBoundIssue(written: { retryInitialMs?: unknown; retryMaxMs?: unknown }): ConfigIssue | null {
  const given = (v: unknown): v is number => Number.isInteger(v);
  const initial = given(written.retryInitialMs) ? written.retryInitialMs : DEFAULTS.handshake.retryInitialMs;
  const max = given(written.retryMaxMs) ? written.retryMaxMs : DEFAULTS.handshake.retryMaxMs;
  if (initial <= max) return null;
  if (given(written.retryMaxMs)) {
    const other = given(written.retryInitialMs) ? `${initial}` : `${initial}, its default`;
    return {
      key: 'handshake.retryMaxMs',
      value: max,
      message: `handshake.retryMaxMs: expected an integer >= handshake.retryInitialMs (${other}), got ${max}`,
    };
  }
  return {
    key: 'handshake.retryInitialMs',
    value: initial,
    message: `handshake.retryInitialMs: expected an integer <= handshake.retryMaxMs (${max}, its default), got ${initial}`,
  };
}

export function badAddress(key: string, value: string, reason: string): ConfigIssue {
  return { key, value, message: `${key}: bad address ${show(value)} (${reason})` };
}

export function notUrl(key: string, value: unknown): ConfigIssue {
  return { key, value, message: `${key}: expected an http(s) URL, got ${show(value)}` };
}

function describeError(error: ValueError): ConfigIssue {
  const segments = error.path
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  // TypeBox reports an unknown property at the property's own path, with the parent's schema.
  if (error.type === ValueErrorType.ObjectAdditionalProperties && segments.length > 0) {
    const name = segments[segments.length - 1]!;
    const parentKey = keyOf(segments.slice(0, -1));
    const known = Object.keys((error.schema.properties ?? {}) as object).filter((k) => k !== '$schema');
    const suggestion = closest(name, known);
    const key = parentKey === '' ? name : `${parentKey}.${name}`;
    const hint = suggestion === undefined ? '' : ` (did you mean ${show(parentKey === '' ? suggestion : `${parentKey}.${suggestion}`)}?)`;
    return { key, value: error.value, message: `unknown key ${show(key)}${hint}` };
  }
  const key = keyOf(segments);
  if (error.schema.pattern === LISTEN_PATTERN && typeof error.value === 'string') {
    const parsed = parseListen(error.value);
    return badAddress(key, error.value, parsed.ok ? 'expected HOST:PORT' : parsed.reason);
  }
  if (error.schema.pattern === HTTP_URL_PATTERN) return notUrl(key, error.value);
  return { key, value: error.value, message: `${key}: expected ${expectation(error.schema)}, got ${show(error.value)}` };
}

/** `["publish","apps","1"]` → `publish.apps[1]`. */
function keyOf(segments: string[]): string {
  let key = '';
  for (const s of segments) key += /^[0-9]+$/.test(s) ? `[${s}]` : key === '' ? s : `.${s}`;
  return key;
}

/** What a sub-schema accepts, in words. */
export function expectation(schema: Record<string, unknown>): string {
  if (Array.isArray(schema.anyOf)) {
    const consts = schema.anyOf.map((s: Record<string, unknown>) => s.const);
    if (consts.every((c) => c !== undefined)) return `one of ${consts.map((c) => JSON.stringify(c)).join(', ')}`;
  }
  switch (schema.type) {
    case 'integer': {
      const { minimum, maximum } = schema as { minimum?: number; maximum?: number };
      if (minimum !== undefined && maximum !== undefined) return `an integer from ${minimum} to ${maximum}`;
      if (minimum !== undefined) return `an integer >= ${minimum}`;
      return 'an integer';
    }
    case 'string':
      if (schema.pattern === PROBE_ID_PATTERN) return '1 to 16 lower-case hex digits';
      if (schema.minLength === 1) return 'a non-empty string';
      return 'a string';
    case 'boolean':
      return 'true or false';
    case 'array':
      return 'an array';
    case 'object':
      return 'an object';
    default:
      return 'a valid value';
  }
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

/** A value as it appears in an error line: JSON, cut short so the line stays a line. */
export function show(value: unknown): string {
  // JSON.stringify gives undefined only for functions and symbols, which String names.
  // eslint-disable-next-line @typescript-eslint/no-base-to-string
  const text = value === undefined ? 'nothing' : (JSON.stringify(value) ?? String(value));
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
