import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SendQueue } from '../../../../src/main/publish/send-queue.js';
import { backoffDelay } from '../../../../src/main/publish/backoff.js';
import { parseAppUrl } from '../../../../src/main/publish/app-url.js';
import { ErrorCode, HostError } from '../../../../src/shared/errors.js';

interface Item {
  readonly name: string;
  readonly shortcut: boolean;
}
const p = (name: string): Item => ({ name, shortcut: false });
const s = (name: string): Item => ({ name, shortcut: true });

function drain(q: SendQueue<Item>): string[] {
  const out: string[] = [];
  for (let item = q.shift(); item !== undefined; item = q.shift()) out.push(item.name);
  return out;
}

test('publish queue: a full queue drops the oldest periodic body and keeps order', () => {
  const q = new SendQueue<Item>(2);
  assert.equal(q.push(p('p1')), undefined);
  assert.equal(q.push(p('p2')), undefined);
  assert.equal(q.push(p('p3'))?.name, 'p1');
  assert.equal(q.length, 2);
  assert.deepEqual(drain(q), ['p2', 'p3']);
});

test('publish queue: shortcuts go first and evict the oldest periodic body when full', () => {
  const q = new SendQueue<Item>(2);
  q.push(p('p1'));
  q.push(p('p2'));
  assert.equal(q.push(s('s1'))?.name, 'p1');
  assert.deepEqual(drain(q), ['s1', 'p2']);
});

test('publish queue: a shortcut is itself dropped when the queue is all shortcuts', () => {
  const q = new SendQueue<Item>(2);
  q.push(s('s1'));
  q.push(s('s2'));
  assert.equal(q.push(s('s3'))?.name, 's3');
  assert.deepEqual(drain(q), ['s1', 's2']);
});

test('publish queue: a periodic body evicts the oldest shortcut when the queue is all shortcuts', () => {
  const q = new SendQueue<Item>(2);
  q.push(s('s1'));
  q.push(s('s2'));
  assert.equal(q.push(p('p1'))?.name, 's1');
  assert.equal(q.hasPeriodic(), true);
  assert.deepEqual(drain(q), ['s2', 'p1']);
});

test('publish queue: capacity must be a positive integer', () => {
  assert.throws(() => new SendQueue<Item>(0), RangeError);
  assert.throws(() => new SendQueue<Item>(1.5), RangeError);
});

test('publish queue: invariants hold for any sequence of pushes and shifts', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 4 }), fc.array(fc.oneof(fc.constant('shift' as const), fc.boolean()), { maxLength: 40 }), (capacity, ops) => {
      const q = new SendQueue<Item>(capacity);
      let n = 0;
      let pushed = 0;
      let dropped = 0;
      let shifted = 0;
      for (const op of ops) {
        if (op === 'shift') {
          if (q.shift() !== undefined) shifted++;
        } else {
          pushed++;
          if (q.push({ name: String(n++), shortcut: op }) !== undefined) dropped++;
        }
        assert.ok(q.length <= capacity);
      }
      // Nothing is lost silently: every body pushed was sent, dropped (and reported) or is still queued.
      assert.equal(pushed, dropped + shifted + q.length);
      const rest = q.clear();
      // Shortcuts always come out before periodic bodies, each kind in arrival order.
      const firstPeriodic = rest.findIndex((i) => !i.shortcut);
      assert.ok(firstPeriodic === -1 || rest.slice(firstPeriodic).every((i) => !i.shortcut));
      for (const kind of [true, false]) {
        const order = rest.filter((i) => i.shortcut === kind).map((i) => Number(i.name));
        assert.deepEqual(
          order,
          [...order].sort((a, b) => a - b),
        );
      }
    }),
  );
});

test('publish backoff: doubles from the initial delay, stays within [initial, max], jitters', () => {
  assert.equal(
    backoffDelay(1, 1000, 60_000, () => 0),
    1000,
  );
  assert.equal(
    backoffDelay(1, 1000, 60_000, () => 1),
    1000,
  );
  assert.equal(
    backoffDelay(2, 1000, 60_000, () => 1),
    2000,
  );
  assert.equal(
    backoffDelay(2, 1000, 60_000, () => 0),
    1500,
  );
  assert.equal(
    backoffDelay(3, 1000, 60_000, () => 1),
    4000,
  );
  assert.equal(
    backoffDelay(7, 1000, 60_000, () => 1),
    60_000,
  );
  assert.equal(
    backoffDelay(1000, 1000, 60_000, () => 0),
    45_000,
  );
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 10_000 }), fc.double({ min: 0, max: 1, noNaN: true }), (failures, r) => {
      const d = backoffDelay(failures, 50, 5000, () => r);
      assert.ok(d >= 50 && d <= 5000, `delay ${d}`);
    }),
  );
});

test('publish app URL: path prefix, trailing slash, token in the user part, bare host:port', () => {
  assert.deepEqual(parseAppUrl('http://127.0.0.1:4040'), {
    origin: 'http://127.0.0.1:4040',
    reportPath: '/api/report',
    apiPath: '/api',
    controlUrl: 'ws://127.0.0.1:4040/api/control/ws',
    display: 'http://127.0.0.1:4040',
  });
  const prefixed = parseAppUrl('http://127.0.0.1:4040/scope/');
  assert.equal(prefixed.reportPath, '/scope/api/report');
  assert.equal(prefixed.apiPath, '/scope/api');
  assert.equal(prefixed.display, 'http://127.0.0.1:4040/scope');
  const withToken = parseAppUrl('https://s3cr%2Ft@cloud.example:443');
  assert.equal(withToken.token, 's3cr/t');
  assert.equal(withToken.origin, 'https://cloud.example');
  assert.equal(withToken.display.includes('s3cr'), false);
  assert.equal(parseAppUrl('127.0.0.1:4040').origin, 'http://127.0.0.1:4040');
});

test('publish app URL: unusable URLs fail with CONFIG_INVALID', () => {
  for (const bad of ['ftp://127.0.0.1/', 'http://127.0.0.1:4040/?x=1', 'http://127.0.0.1:4040/#a', 'http://']) {
    assert.throws(
      () => parseAppUrl(bad),
      (err: unknown) => err instanceof HostError && err.code === ErrorCode.CONFIG_INVALID,
      bad,
    );
  }
});
