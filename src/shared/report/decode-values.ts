/**
 * Typed reads of JSON.parse output for the decoder. Each helper either returns a value or throws a
 * `DecodeFailure` naming the problem; the caller adds the path segment.
 *
 * Rules shared by every field (docs/spec/report-format.md#what-fails-a-report): `null` or a missing
 * key reads as the Go zero value; a value of the wrong JSON type is an error (Go's decoder fails
 * the whole report); numbers must be finite (JSON.parse turns `1e400` into Infinity, which we must
 * never publish) and `-0` becomes `0`.
 */
import { DecodeFailure, ReportErrorCode, keySegment } from './report-error.js';
import { ZERO_TIME, canonicalTimestamp, type Timestamp } from './timestamp.js';
import { toSet, EMPTY_SET } from './strings.js';
import { INT64_MAX_DOUBLE, UINT64_MAX_DOUBLE, goIntText, type GoInt } from './go-numbers.js';
import type { StringSet } from './types.js';

export type Json = null | boolean | number | string | Json[] | JsonObject;
export interface JsonObject {
  [key: string]: Json | undefined;
}

export const EMPTY_MAP: ReadonlyMap<string, never> = new Map<string, never>();

export function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  switch (typeof v) {
    case 'object':
      return 'an object';
    case 'string':
      return 'a string';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'a boolean';
    default:
      return typeof v;
  }
}

export function badType(expected: string, v: unknown): DecodeFailure {
  return new DecodeFailure(ReportErrorCode.BAD_TYPE, `expected ${expected}, got ${typeName(v)}`);
}

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** An object field: `undefined` for null/missing. */
export function optObject(v: Json | undefined): JsonObject | undefined {
  if (v === undefined || v === null) return undefined;
  if (isObject(v)) return v;
  throw badType('an object', v);
}

/** A map value or array element that must be an object (null is not a value here). */
export function reqObject(v: Json | undefined): JsonObject {
  if (isObject(v)) return v;
  throw badType('an object', v);
}

export function optArray(v: Json | undefined): Json[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (Array.isArray(v)) return v;
  throw badType('an array', v);
}

export function str(v: Json | undefined): string {
  if (typeof v === 'string') return v;
  if (v === undefined || v === null) return '';
  throw badType('a string', v);
}

export function bool(v: Json | undefined): boolean {
  if (typeof v === 'boolean') return v;
  if (v === undefined || v === null) return false;
  throw badType('a boolean', v);
}

/** JSON.parse reads a number beyond ±1.8e308 as ±Infinity; Go refuses it for a float64. */
export const NOT_FLOAT64 = 'out of range for Go float64';

export function float(v: Json | undefined): number {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new DecodeFailure(ReportErrorCode.BAD_NUMBER, NOT_FLOAT64);
    return v === 0 ? 0 : v;
  }
  if (v === undefined || v === null) return 0;
  throw badType('a number', v);
}

/** A float that may be absent (`undefined`): metric `min`/`max`, computed when missing. */
export function optFloat(v: Json | undefined): number | undefined {
  return v === undefined || v === null ? undefined : float(v);
}

const INT64_LIMIT = 2 ** 63;
const UINT64_LIMIT = 2 ** 64;

/**
 * A Go integer (`int` is 64-bit where Scope runs): finite, integral and within the type, or a
 * failure naming the Go type. A value that rounded to exactly 2^63 (int) or 2^64 (uint64) on its
 * way into a double, as the type's largest literal does, is held at the largest double that fits.
 */
export function int(v: Json | undefined, type: GoInt = 'int'): number {
  if (typeof v === 'number' && Number.isFinite(v)) {
    if (!Number.isInteger(v)) throw new DecodeFailure(ReportErrorCode.BAD_NUMBER, `${v} is not an integer (Go ${type})`);
    if (type === 'uint64') {
      if (v >= 0 && v < UINT64_LIMIT) return v === 0 ? 0 : v;
      if (v === UINT64_LIMIT) return UINT64_MAX_DOUBLE;
    } else {
      if (v >= -INT64_LIMIT && v < INT64_LIMIT) return v === 0 ? 0 : v;
      if (v === INT64_LIMIT) return INT64_MAX_DOUBLE;
    }
    throw new DecodeFailure(ReportErrorCode.BAD_NUMBER, `${goIntText(v)} is out of range for Go ${type}`);
  }
  if (typeof v === 'number') throw new DecodeFailure(ReportErrorCode.BAD_NUMBER, `out of range for Go ${type}`);
  return float(v);
}

export function time(v: Json | undefined): Timestamp {
  if (typeof v === 'string') {
    const ts = canonicalTimestamp(v);
    if (ts === undefined) throw new DecodeFailure(ReportErrorCode.BAD_TIME, `not an RFC 3339 time: ${JSON.stringify(v)}`);
    return ts;
  }
  if (v === undefined || v === null) return ZERO_TIME;
  throw badType('an RFC 3339 time string', v);
}

/** A JSON array of strings as a sorted, duplicate-free set. */
export function stringSet(v: Json | undefined): StringSet {
  const a = optArray(v);
  if (a === undefined || a.length === 0) return EMPTY_SET;
  for (let i = 0; i < a.length; i++) {
    if (typeof a[i] !== 'string') throw badType('a string', a[i]).at(`[${i}]`);
  }
  // JSON.parse gave us a fresh array nobody else holds, so it may become the set itself.
  return toSet(a as string[]);
}

/** An object of string arrays (`sets`, `parents`) as a map of sets. */
export function setMap(v: Json | undefined): ReadonlyMap<string, StringSet> {
  const o = optObject(v);
  if (o === undefined) return EMPTY_MAP;
  const keys = Object.keys(o);
  if (keys.length === 0) return EMPTY_MAP;
  const out = new Map<string, StringSet>();
  let k = '';
  try {
    for (k of keys) out.set(k, stringSet(o[k]));
  } catch (err) {
    throw err instanceof DecodeFailure ? err.at(keySegment(k)) : err;
  }
  return out;
}

/**
 * Decodes every value of a JSON object with `each` into a Map (insertion order = input order),
 * adding the key's path segment to any failure.
 */
export function objectMap<T>(v: Json | undefined, each: (value: Json | undefined, key: string) => T): ReadonlyMap<string, T> {
  const o = optObject(v);
  if (o === undefined) return EMPTY_MAP;
  const keys = Object.keys(o);
  if (keys.length === 0) return EMPTY_MAP;
  const out = new Map<string, T>();
  let k = '';
  try {
    for (k of keys) out.set(k, each(o[k], k));
  } catch (err) {
    throw err instanceof DecodeFailure ? err.at(keySegment(k)) : err;
  }
  return out;
}

/** Reads `o[field]` with `read`, adding `.field` to any failure. */
export function field<T>(o: JsonObject, name: string, read: (v: Json | undefined) => T): T {
  try {
    return read(o[name]);
  } catch (err) {
    throw err instanceof DecodeFailure ? err.at(keySegment(name)) : err;
  }
}
