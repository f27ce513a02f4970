import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  ReportError,
  ZERO_TIME,
  compareTimestamps,
  nowTimestamp,
  parseTimestamp,
  timestampFromEpochNs,
  timestampToEpochNs,
} from '../../../../src/shared/report/index.js';

describe('report timestamps', () => {
  it('keeps canonical UTC RFC3339Nano text as it is', () => {
    for (const s of ['2026-11-24T20:08:42.379613323Z', '2026-11-24T20:08:42Z', '2021-04-23T10:00:00.5Z', '0001-01-01T00:00:00Z']) {
      assert.equal(parseTimestamp(s), s);
    }
  });

  it('normalises offsets, trailing zeros and extra digits to the canonical UTC form', () => {
    assert.equal(parseTimestamp('2016-07-20T16:51:05+01:00'), '2016-07-20T15:51:05Z');
    assert.equal(parseTimestamp('2016-07-20T10:21:05.000000001-05:30'), '2016-07-20T15:51:05.000000001Z');
    assert.equal(parseTimestamp('2016-07-20T15:51:05+00:00'), '2016-07-20T15:51:05Z');
    assert.equal(parseTimestamp('2016-07-20T15:51:05.500Z'), '2016-07-20T15:51:05.5Z');
    assert.equal(parseTimestamp('2016-07-20T15:51:05.000Z'), '2016-07-20T15:51:05Z');
    // Go truncates digits beyond nanoseconds.
    assert.equal(parseTimestamp('2016-07-20T15:51:05.1234567891Z'), '2016-07-20T15:51:05.123456789Z');
    // Offsets crossing a day, a month and a year boundary.
    assert.equal(parseTimestamp('2017-01-01T00:30:00+01:00'), '2016-12-31T23:30:00Z');
    assert.equal(parseTimestamp('2016-02-28T23:30:00-01:00'), '2016-02-29T00:30:00Z');
  });

  it('rejects what is not RFC 3339, with REPORT_BAD_TIME', () => {
    for (const s of [
      '2016-07-20T15:51:05Z01:00', // appears in upstream docs
      '2016-07-20 15:51:05Z',
      '2016-07-20T15:51:05',
      '2016-07-20t15:51:05z',
      '2016-13-01T00:00:00Z',
      '2015-02-29T00:00:00Z',
      '2016-07-20T24:00:00Z',
      '2016-07-20T15:60:00Z',
      '2016-07-20T15:51:60Z',
      '2016-07-20T15:51:05.Z',
      '2016-07-20T15:51:05+1:00',
      '0000-01-01T00:00:00+01:00', // before year 0000 once in UTC
      '',
      'now',
    ]) {
      assert.throws(
        () => parseTimestamp(s),
        (e: unknown) => e instanceof ReportError && e.code === 'REPORT_BAD_TIME',
        s,
      );
    }
  });

  it('compares as instants with nanosecond precision, whatever the written offset', () => {
    const a = parseTimestamp('2021-04-23T10:00:00.5Z');
    const b = parseTimestamp('2021-04-23T10:00:00Z');
    const c = parseTimestamp('2021-04-23T11:00:00.500000000+01:00');
    const d = parseTimestamp('2021-04-23T10:00:00.500000001Z');
    assert.ok(compareTimestamps(b, a) < 0);
    assert.ok(compareTimestamps(a, b) > 0);
    assert.equal(compareTimestamps(a, c), 0);
    assert.equal(a, c);
    assert.ok(compareTimestamps(a, d) < 0);
    assert.ok(compareTimestamps(ZERO_TIME, b) < 0);
  });

  it('converts to and from epoch nanoseconds exactly (property)', () => {
    const min = timestampToEpochNs(parseTimestamp('0000-01-01T00:00:00Z'));
    const max = timestampToEpochNs(parseTimestamp('9999-12-31T23:59:59.999999999Z'));
    fc.assert(
      fc.property(fc.bigInt({ min, max }), fc.bigInt({ min, max }), (x, y) => {
        const tx = timestampFromEpochNs(x);
        assert.equal(timestampToEpochNs(tx), x);
        assert.equal(parseTimestamp(tx), tx);
        const ty = timestampFromEpochNs(y);
        assert.equal(Math.sign(compareTimestamps(tx, ty)), x < y ? -1 : x > y ? 1 : 0);
      }),
    );
    assert.equal(timestampFromEpochNs(0n), '1970-01-01T00:00:00Z');
    assert.equal(timestampFromEpochNs(-1n), '1969-12-31T23:59:59.999999999Z');
    assert.equal(timestampToEpochNs(ZERO_TIME), -62135596800n * 1_000_000_000n);
    assert.throws(() => timestampFromEpochNs(max + 1n), ReportError);
  });

  it('nowTimestamp is the wall clock with sub-millisecond digits', () => {
    const before = BigInt(Date.now()) * 1_000_000n;
    const now = timestampToEpochNs(nowTimestamp());
    const after = BigInt(Date.now() + 1) * 1_000_000n;
    // Generous: the hrtime anchor may run up to 2 ms ahead before it is re-anchored.
    assert.ok(now >= before - 3_000_000n && now <= after + 3_000_000n, `${before} <= ${now} <= ${after}`);
  });
});
