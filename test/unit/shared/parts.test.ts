/**
 * Packed report texts (src/shared/parts.ts): what an actor keeps and what a snapshot moves to the
 * builder thread. Checks that texts come back byte for byte (multi-byte UTF-8 included), through a
 * real worker's transfer too, and that an actor's buffer is reused, bounded and shrinks.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { PartBuffer, PartPacker, eachGroup, packParts, transferablesOf, type PackedParts } from '../../../src/shared/parts.js';

const decoder = new TextDecoder();
const textsOf = (packs: PackedParts[]): string[] =>
  Array.from(eachGroup(packs))
    .flat()
    .map((p) => decoder.decode(p));

test('packParts keeps every text byte for byte, strings and bytes alike', () => {
  const texts = ['{"a":1}', '', '{"ü":"日本語 ✓ \u{1F600}"}', '{}'];
  const packed = packParts([texts[0]!, Buffer.from(texts[1]!), texts[2]!, new TextEncoder().encode(texts[3]!)]);
  assert.deepEqual(textsOf([packed]), texts);
  assert.equal(
    packed.bytes.byteLength,
    texts.reduce((n, t) => n + Buffer.byteLength(t), 0),
  );
  assert.equal(packed.bytes.buffer.byteLength, packed.bytes.byteLength, 'an owned buffer, never a pool slab');
  assert.deepEqual(textsOf([packed, packParts(['x'])]), [...texts, 'x']);
});

test('a PartPacker keeps each counted group together; an empty group is left out', () => {
  const packer = new PartPacker();
  const groups = [['{"a":1}', '{"a":2}'], [], ['{"b":1}']];
  for (const g of groups)
    packer.count(
      g.reduce((n, t) => n + Buffer.byteLength(t), 0),
      g.length,
    );
  packer.allocate();
  for (const t of groups.flat()) packer.add(t);
  const packed = packer.done();
  assert.deepEqual([...packed.groupEnds], [2, 3]);
  assert.deepEqual(
    Array.from(eachGroup([packed, packParts(['x', 'y'])]), (g) => g.map((p) => decoder.decode(p))),
    [['{"a":1}', '{"a":2}'], ['{"b":1}'], ['x'], ['y']],
  );
});

test('a PartPacker refuses a second pass that does not match the first', () => {
  const packer = new PartPacker();
  packer.count(3);
  packer.allocate();
  packer.add('ab');
  assert.throws(() => packer.done(), /counted 1 parts \/ 3 bytes, added 1 \/ 2/);
});

test('packs arrive intact after being moved to a worker thread', async () => {
  const packed = packParts(['{"first":true}', '{"second":"ß"}']);
  const worker = new Worker(
    `const { parentPort } = require('node:worker_threads');
     parentPort.once('message', ({ bytes, ends }) => {
       const out = []; let start = 0;
       for (const end of ends) { out.push(Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('utf8')); start = end; }
       parentPort.postMessage(out);
     });`,
    { eval: true },
  );
  try {
    const reply = new Promise<string[]>((resolve) => worker.once('message', resolve));
    worker.postMessage(packed, transferablesOf([packed]));
    assert.equal(packed.bytes.byteLength, 0, 'moved, not copied');
    assert.equal(packed.groupEnds.byteLength, 0, 'the groups moved with them');
    assert.deepEqual(await reply, ['{"first":true}', '{"second":"ß"}']);
  } finally {
    await worker.terminate();
  }
});

test('PartBuffer: set replaces, push appends, dropFirst drops the oldest, a packer takes the parts from any index', () => {
  const b = new PartBuffer();
  b.set('{"n":1}');
  b.set('{"n":2}');
  assert.deepEqual(b.parts(), ['{"n":2}']);
  b.push(Buffer.from('{"shortcut":true}'));
  b.push('{"ü":1}');
  b.push('{"last":1}');
  assert.deepEqual(b.parts(), ['{"n":2}', '{"shortcut":true}', '{"ü":1}', '{"last":1}']);
  b.dropFirst(1);
  assert.deepEqual(b.parts(), ['{"shortcut":true}', '{"ü":1}', '{"last":1}']);
  assert.equal(b.byteLength, Buffer.byteLength('{"shortcut":true}{"ü":1}{"last":1}'));
  assert.equal(b.offsetOf(1), Buffer.byteLength('{"shortcut":true}'));
  const packer = new PartPacker();
  b.countInto(packer);
  b.countInto(packer, 1);
  b.countInto(packer, 3); // no parts: no group
  packer.allocate();
  b.addInto(packer);
  b.addInto(packer, 1);
  b.addInto(packer, 3);
  const packed = packer.done();
  assert.deepEqual(textsOf([packed]), ['{"shortcut":true}', '{"ü":1}', '{"last":1}', '{"ü":1}', '{"last":1}']);
  assert.deepEqual([...packed.groupEnds], [3, 5]);
  b.dropFirst(2);
  assert.deepEqual(b.parts(), ['{"last":1}']);
  b.dropFirst(5); // more than it holds: empty
  assert.equal(b.count, 0);
  assert.equal(b.byteLength, 0);
  b.dropFirst(1); // nothing to drop: no error
  assert.deepEqual(b.parts(), []);
});

test('PartBuffer keeps its bytes when it grows and gives memory back after one huge report', () => {
  const b = new PartBuffer();
  const small = 'x'.repeat(2048);
  b.set(small);
  const big = 'y'.repeat(4 << 20);
  b.push(big); // grows with the small text already inside
  assert.deepEqual(b.parts(), [small, big]);
  assert.ok(b.capacity >= 2048 + (4 << 20));
  b.set(small);
  assert.deepEqual(b.parts(), [small]);
  assert.ok(b.capacity < 4096, `sized for the small report again, not 4 MiB (capacity ${b.capacity})`);
  const capacity = b.capacity;
  for (let i = 0; i < 100; i++) b.set(`{"i":${String(i).padStart(4, '0')}}`);
  assert.deepEqual(b.parts(), ['{"i":0099}']);
  assert.equal(b.capacity, capacity, 'reports of the usual size reuse the buffer');

  // Accumulating between publishes: capacity is what the most reports of one interval need, plus
  // an eighth, and the next intervals reuse it.
  const acc = new PartBuffer();
  // As ActorReports uses it: a drain keeps the current report, which the next poll replaces.
  const interval = (): void => {
    for (let i = 0; i < 5; i++) {
      acc.push('z'.repeat(2048));
      if (i === 0) acc.dropFirst(acc.count - 1);
    }
  };
  interval();
  assert.equal(acc.byteLength, 5 * 2048);
  assert.ok(acc.capacity <= 5 * 2048 * 1.125, `capacity ${acc.capacity} for 5 reports of 2 KB`);
  const steady = acc.capacity;
  for (let publish = 0; publish < 3; publish++) {
    acc.dropFirst(acc.count - 1);
    interval();
    assert.equal(acc.capacity, steady, `publish ${publish}: the buffer is reused`);
  }
  assert.equal(acc.count, 5);
});
