/**
 * Go's integer types in a report and how every number the host combines stays inside them
 * (docs/spec/report-format.md#numbers-and-go-types): a Go app refuses a whole report over one
 * number that does not fit its field.
 *
 * JSON numbers arrive as doubles, so an integer field holds the double nearest to what was sent.
 * The largest doubles that still fit are 2^63 − 1024 (int64) and 2^64 − 2048 (uint64); sums
 * saturate at the type's limits instead of wrapping as Go's `+=` does, because a wrapped total
 * turns "more than the type holds" into a small, plausible and wrong number.
 */

export const INT64_MIN = -(2n ** 63n);
export const INT64_MAX = 2n ** 63n - 1n;
export const UINT64_MAX = 2n ** 64n - 1n;

/** The largest double that is a valid Go int64 (2^63 − 1024). */
export const INT64_MAX_DOUBLE = 2 ** 63 - 1024;
/** The largest double that is a valid Go uint64 (2^64 − 2048). */
export const UINT64_MAX_DOUBLE = 2 ** 64 - 2048;

/** The Go integer types a report's integer fields have. */
export type GoInt = 'int' | 'int64' | 'uint64';

/** A duration or other int64 sum, held at Go's int64 limits. */
export function saturateInt64(n: bigint): bigint {
  return n > INT64_MAX ? INT64_MAX : n < INT64_MIN ? INT64_MIN : n;
}

/**
 * The sum of non-negative integral doubles as a uint64 that saturates: exact (the same result in
 * any order, which plain double additions above 2^53 are not) and at most `UINT64_MAX_DOUBLE`.
 */
export function saturatingUint64Sum(values: readonly number[]): number {
  let sum = 0;
  for (const v of values) sum += v;
  if (sum <= Number.MAX_SAFE_INTEGER) return sum;
  let exact = 0n;
  for (const v of values) exact += BigInt(v);
  return exact >= BigInt(UINT64_MAX_DOUBLE) ? UINT64_MAX_DOUBLE : Number(exact);
}

/**
 * The decimal digits of an integral double, exactly: `String()` gives the shortest round-trip
 * form, which for -2^63 is "-9223372036854776000", outside int64 although the value is not.
 */
export function goIntText(n: number): string {
  return Number.isSafeInteger(n) ? String(n) : BigInt(n).toString();
}
