/**
 * Nanosecond-exact timestamps (docs/spec/report-format.md#timestamps).
 *
 * A `Timestamp` is the canonical wire text Go's `RFC3339Nano` gives in UTC: `YYYY-MM-DDTHH:MM:SS`,
 * then `.` and 1–9 fraction digits without trailing zeros (no fraction when it is zero), then `Z`.
 * Why a string and not a `Date` or a bigint: a JS `Date` keeps milliseconds only; a bigint costs an
 * allocation and a format per value, while most timestamps plugins send (Go programs) are already
 * canonical, so decoding validates them in place and encoding writes them unchanged. Because the
 * form is canonical, two timestamps are the same instant exactly when the strings are equal;
 * order them with `compareTimestamps` (plain `<` is wrong: `...:00.5Z` < `...:00Z`).
 *
 * Inputs with an offset (`+01:00`), `+00:00`, trailing fraction zeros or more than 9 fraction
 * digits (truncated, as Go does) are converted to this form. Years must stay within 0000–9999
 * once in UTC (Go's encoder refuses others).
 */
import { ReportError, ReportErrorCode } from './report-error.js';

declare const timestampBrand: unique symbol;
export type Timestamp = string & { readonly [timestampBrand]: true };

/** Go's zero `time.Time`, what a missing timestamp decodes to; `TS` uses it for "unknown". */
export const ZERO_TIME = '0001-01-01T00:00:00Z' as Timestamp;

const NS_PER_S = 1_000_000_000n;
const SECONDS_PER_DAY = 86_400;
/** Days from 0000-03-01-based civil epoch to 1970-01-01 (Hinnant's `days_from_civil`). */
const EPOCH_SHIFT_DAYS = 719_468;

function d2(s: string, i: number): number {
  const a = s.charCodeAt(i) - 48;
  const b = s.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

function isLeap(y: number): boolean {
  return y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
}

function daysInMonth(y: number, m: number): number {
  return m === 2 ? (isLeap(y) ? 29 : 28) : m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

/** Days since 1970-01-01 of a proleptic Gregorian date. */
function daysFromCivil(year: number, m: number, d: number): number {
  const y = m <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - EPOCH_SHIFT_DAYS;
}

function civilFromDays(days: number): [number, number, number] {
  const z = days + EPOCH_SHIFT_DAYS;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d];
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** Canonical text of an instant given as seconds since the Unix epoch plus nanoseconds. */
function formatEpoch(seconds: number, nanos: number): Timestamp | undefined {
  const days = Math.floor(seconds / SECONDS_PER_DAY);
  let rest = seconds - days * SECONDS_PER_DAY;
  const [y, m, d] = civilFromDays(days);
  if (y < 0 || y > 9999) return undefined;
  const h = Math.floor(rest / 3600);
  rest -= h * 3600;
  const mi = Math.floor(rest / 60);
  const se = rest - mi * 60;
  let text = `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}T${pad(h, 2)}:${pad(mi, 2)}:${pad(se, 2)}`;
  if (nanos > 0) text += '.' + pad(nanos, 9).replace(/0+$/, '');
  return (text + 'Z') as Timestamp;
}

/** The last call's input and answer: a report's entries mostly share one timestamp. */
let memoIn = '';
let memoOut: Timestamp | undefined;

/**
 * The canonical form of an RFC 3339 time, or `undefined` when `s` is not one. The decoder's hot
 * path: canonical input (the common case) is validated without allocating, and a report's many
 * entries stamped with the same time (the usual case: a plugin stamps its report once) are
 * answered from a one-entry memo, since parsing them again was a large share of decoding a small
 * report (docs/decisions/081-report-codec-costs.md).
 */
export function canonicalTimestamp(s: string): Timestamp | undefined {
  if (s === memoIn) return memoOut;
  const out = parseCanonical(s);
  memoIn = s;
  memoOut = out;
  return out;
}

function parseCanonical(s: string): Timestamp | undefined {
  const n = s.length;
  if (n < 20) return undefined;
  const y = d2(s, 0) * 100 + d2(s, 2);
  const mo = d2(s, 5);
  const d = d2(s, 8);
  const h = d2(s, 11);
  const mi = d2(s, 14);
  const se = d2(s, 17);
  if (
    d2(s, 0) < 0 ||
    d2(s, 2) < 0 ||
    s.charCodeAt(4) !== 45 ||
    s.charCodeAt(7) !== 45 ||
    s.charCodeAt(10) !== 84 ||
    s.charCodeAt(13) !== 58 ||
    s.charCodeAt(16) !== 58 ||
    mo < 1 ||
    mo > 12 ||
    d < 1 ||
    d > daysInMonth(y, mo) ||
    h < 0 ||
    h > 23 ||
    mi < 0 ||
    mi > 59 ||
    se < 0 ||
    se > 59
  ) {
    return undefined;
  }
  let i = 19;
  if (s.charCodeAt(19) === 46) {
    i = 20;
    while (i < n) {
      const c = s.charCodeAt(i);
      if (c < 48 || c > 57) break;
      i++;
    }
    if (i === 20) return undefined;
  }
  const fracEnd = i;
  if (i >= n) return undefined;
  const zone = s.charCodeAt(i);
  let offsetMinutes = 0;
  if (zone === 90) {
    if (i + 1 !== n) return undefined;
    const fracLen = fracEnd - 20;
    // Already canonical: no fraction, or 1-9 digits not ending in 0.
    if (fracEnd === 19 || (fracLen <= 9 && s.charCodeAt(fracEnd - 1) !== 48)) return s as Timestamp;
    // UTC with trailing zeros (fixed-width writers): trim them, no date arithmetic needed.
    if (fracLen <= 9) {
      let end = fracEnd;
      while (s.charCodeAt(end - 1) === 48) end--;
      return ((end === 20 ? s.slice(0, 19) : s.slice(0, end)) + 'Z') as Timestamp;
    }
  } else if (zone === 43 || zone === 45) {
    if (i + 6 !== n || s.charCodeAt(i + 3) !== 58) return undefined;
    const oh = d2(s, i + 1);
    const om = d2(s, i + 4);
    if (oh < 0 || om < 0 || oh > 23 || om > 59) return undefined;
    offsetMinutes = (oh * 60 + om) * (zone === 43 ? 1 : -1);
  } else {
    return undefined;
  }
  let nanos = 0;
  for (let k = 0; k < 9; k++) nanos = nanos * 10 + (20 + k < fracEnd ? s.charCodeAt(20 + k) - 48 : 0);
  const seconds = daysFromCivil(y, mo, d) * SECONDS_PER_DAY + h * 3600 + mi * 60 + se - offsetMinutes * 60;
  return formatEpoch(seconds, nanos);
}

/** Parses an RFC 3339 time (any offset, up to ns precision); throws `ReportError` `REPORT_BAD_TIME`. */
export function parseTimestamp(s: string): Timestamp {
  const ts = typeof s === 'string' ? canonicalTimestamp(s) : undefined;
  if (ts === undefined) throw new ReportError(ReportErrorCode.BAD_TIME, '', `not an RFC 3339 time: ${JSON.stringify(s)}`);
  return ts;
}

/** The timestamp of `ns` nanoseconds since 1970-01-01T00:00:00Z (negative allowed, years 0000–9999). */
export function timestampFromEpochNs(ns: bigint): Timestamp {
  let seconds = ns / NS_PER_S;
  let nanos = ns % NS_PER_S;
  if (nanos < 0n) {
    seconds -= 1n;
    nanos += NS_PER_S;
  }
  const ts = formatEpoch(Number(seconds), Number(nanos));
  if (ts === undefined) throw new ReportError(ReportErrorCode.BAD_TIME, '', `${ns} ns since the epoch is outside years 0000-9999`);
  return ts;
}

/** Nanoseconds since the Unix epoch of a timestamp. */
export function timestampToEpochNs(ts: Timestamp): bigint {
  const y = Number(ts.slice(0, 4));
  const seconds =
    daysFromCivil(y, Number(ts.slice(5, 7)), Number(ts.slice(8, 10))) * SECONDS_PER_DAY +
    Number(ts.slice(11, 13)) * 3600 +
    Number(ts.slice(14, 16)) * 60 +
    Number(ts.slice(17, 19));
  const frac = ts.length > 20 ? ts.slice(20, -1).padEnd(9, '0') : '0';
  return BigInt(seconds) * NS_PER_S + BigInt(frac);
}

/** Orders two timestamps as instants: negative, zero (same instant) or positive. */
export function compareTimestamps(a: Timestamp, b: Timestamp): number {
  if (a === b) return 0;
  for (let i = 0; i < 19; i++) {
    const d = a.charCodeAt(i) - b.charCodeAt(i);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  // Same second: compare the fractions digit by digit, a missing digit being 0.
  const aEnd = a.length - 1;
  const bEnd = b.length - 1;
  for (let i = 20; i < 29; i++) {
    const x = i < aEnd ? a.charCodeAt(i) : 48;
    const y = i < bEnd ? b.charCodeAt(i) : 48;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

// The wall clock refined with the monotonic clock: Date.now() has ms resolution only, so anchor
// hrtime to it once and re-anchor whenever the two drift apart by more than 2 ms (NTP steps).
let anchorNs = 0n;

/** The current wall-clock time with sub-millisecond digits from `process.hrtime`. */
export function nowTimestamp(): Timestamp {
  const wallNs = BigInt(Date.now()) * 1_000_000n;
  let ns = process.hrtime.bigint() + anchorNs;
  const drift = ns - wallNs;
  if (anchorNs === 0n || drift > 2_000_000n || drift < -2_000_000n) {
    anchorNs = wallNs - process.hrtime.bigint();
    ns = wallNs;
  }
  return timestampFromEpochNs(ns);
}
