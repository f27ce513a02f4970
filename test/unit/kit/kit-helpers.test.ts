import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { activeControls, containerNodeId, hostNodeId, latest, metric, timestamp } from '../../../src/kit/index.js';

test('timestamp is Go RFC3339Nano: UTC, trailing zeros trimmed', () => {
  assert.equal(timestamp(new Date('2021-04-23T10:00:00.500Z')), '2021-04-23T10:00:00.5Z');
  assert.equal(timestamp(new Date('2021-04-23T10:00:00.000Z')), '2021-04-23T10:00:00Z');
  assert.equal(timestamp(new Date('2021-04-23T10:00:00.123Z')), '2021-04-23T10:00:00.123Z');
  assert.match(timestamp(), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,3})?Z$/);
  fc.assert(
    fc.property(fc.date({ min: new Date('1970-01-01'), max: new Date('9999-12-31'), noInvalidDate: true }), (d) => {
      const ts = timestamp(d);
      assert.equal(Date.parse(ts), d.getTime());
      assert.doesNotMatch(ts, /\.\d*0Z$/);
    }),
  );
});

test('node ids carry the literal tag', () => {
  assert.equal(hostNodeId('vm'), 'vm;<host>');
  assert.equal(containerNodeId('abc123'), 'abc123;<container>');
});

test('latest and activeControls build {timestamp, value}', () => {
  assert.deepEqual(latest('v', 'T'), { timestamp: 'T', value: 'v' });
  assert.deepEqual(activeControls(['a', 'b'], 'T'), { timestamp: 'T', value: 'a;b' });
  assert.deepEqual(activeControls([], 'T'), { timestamp: 'T', value: '' });
  assert.throws(() => activeControls(['a;b']), RangeError);
  assert.ok(!Number.isNaN(Date.parse(latest('x').timestamp)));
});

test('metric computes bounds, keeps explicit ones, sorts samples, rejects non-finite values', () => {
  const s = (date: string, value: number) => ({ date, value });
  const m = metric([s('2021-01-01T00:00:02Z', 5), s('2021-01-01T00:00:01Z', -1)]);
  assert.deepEqual(m, { samples: [s('2021-01-01T00:00:01Z', -1), s('2021-01-01T00:00:02Z', 5)], min: -1, max: 5 });
  assert.deepEqual(metric([s('2021-01-01T00:00:01Z', 42)], { min: 0, max: 100 }), {
    samples: [s('2021-01-01T00:00:01Z', 42)],
    min: 0,
    max: 100,
  });
  assert.deepEqual(metric([]), { samples: [], min: 0, max: 0 });
  assert.throws(() => metric([s('2021-01-01T00:00:01Z', Number.NaN)]), RangeError);
});
