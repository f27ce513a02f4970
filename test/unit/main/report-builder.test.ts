/**
 * ReportBuilder (src/main/report-builder.ts) on real piscina threads: a few hundred plugins'
 * reports are built on the calling thread in slices without starting the builder thread, larger
 * ones on it; the builder thread runs with the old-generation limit its input needs, gets a larger
 * one when the plugins' data grows, and after running out of memory builds on a thread with V8's
 * default limit. Every build's bytes are checked, not only that it finished.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Worker } from 'node:worker_threads';
import { packGroups, packParts } from '../../../src/shared/parts.js';
import {
  INLINE_BUILD_MAX_BYTES,
  ReportBuilder,
  SMALL_BUILD_MAX_BYTES,
  builderHeapLimitMb,
  builderYoungGenerationMb,
  mergedBytes,
  type HeapLimitEvent,
} from '../../../src/main/report-builder.js';

const MB = 1024 * 1024;
const TS = '2026-12-07T04:00:00.000000000Z';

/** `count` plugin reports, each with its own Host node carrying `entries` latest entries. */
function reports(count: number, entries: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const latest: Record<string, { timestamp: string; value: string }> = {};
    for (let e = 0; e < entries; e++) latest[`key_${e}`] = { timestamp: TS, value: `plugin ${i} value ${e}` };
    out.push(JSON.stringify({ Host: { nodes: { [`host-${i};<host>`]: { latest } } }, Plugins: [] }));
  }
  return out;
}

async function build(builder: ReportBuilder, texts: string[]): Promise<Record<string, any>> {
  const bytes = await builder.json([packParts(texts)], { specs: [], tsEpochNs: '1796616000000000000' });
  return JSON.parse(bytes.toString('utf8'));
}

/** The builder pool's live thread (piscina keeps it warm between builds). */
function builderThread(builder: ReportBuilder): Worker {
  assert.equal(builder.threads.length, 1, 'one builder thread');
  return builder.threads[0]!;
}

describe('builderHeapLimitMb', () => {
  test('1 GB up to the measured shapes, then 256 MB + 22x the input, in powers of two', () => {
    assert.equal(builderHeapLimitMb(0), 1024);
    assert.equal(builderHeapLimitMb(20 * MB), 1024, '10000 × 2 KB plugins');
    assert.equal(builderHeapLimitMb(34 * MB), 1024, '256 + 748 still fits');
    assert.equal(builderHeapLimitMb(36 * MB), 2048);
    assert.equal(builderHeapLimitMb(200 * MB), 8192);
  });
});

describe('builderYoungGenerationMb', () => {
  test('8 MB up to SMALL_BUILD_MAX_BYTES of input, then 16 MB', () => {
    assert.equal(builderYoungGenerationMb(0), 8);
    assert.equal(builderYoungGenerationMb(6 * MB), 8, '3000 × 2 KB plugins');
    assert.equal(builderYoungGenerationMb(SMALL_BUILD_MAX_BYTES), 8);
    assert.equal(builderYoungGenerationMb(SMALL_BUILD_MAX_BYTES + 1), 16);
  });
});

describe('mergedBytes', () => {
  test('a build counts as one report per plugin, however many each sent', () => {
    const report = 'x'.repeat(1000);
    // A plugin with three reports of 1000 bytes, one with one, one with no good report.
    const packed = packGroups([[report, report, report], [report], []]);
    assert.deepEqual([...packed.groupEnds], [3, 4]);
    assert.equal(mergedBytes([packed]), 2000);
    assert.equal(mergedBytes([packParts(['ab', 'cd'])]), 4);
    assert.equal(mergedBytes([]), 0);
  });
});

describe('ReportBuilder thread heap', () => {
  test('a large build moves the builder to the larger young generation, once', async () => {
    const events: HeapLimitEvent[] = [];
    const builder = new ReportBuilder({ nice: 0, inlineMaxBytes: 0, onHeapLimit: (e) => events.push(e) });
    try {
      await build(builder, reports(10, 4));
      assert.equal(builderThread(builder).resourceLimits!.maxYoungGenerationSizeMb, 8);
      const texts = reports(4000, 50);
      assert.ok(texts.reduce((n, t) => n + t.length, 0) > SMALL_BUILD_MAX_BYTES);
      await build(builder, texts);
      assert.deepEqual(
        events.map((e) => [e.reason, e.maxYoungGenerationSizeMb]),
        [['grown', 16]],
      );
      assert.equal(builderThread(builder).resourceLimits!.maxYoungGenerationSizeMb, 16);
      await build(builder, reports(10, 4));
      assert.equal(events.length, 1, 'and it keeps it for small builds again');
    } finally {
      await builder.close();
    }
  });

  test('the builder thread has the old-generation limit its input needs', async () => {
    const events: HeapLimitEvent[] = [];
    const builder = new ReportBuilder({
      nice: 0,
      inlineMaxBytes: 0,
      heapLimitMb: (bytes) => (bytes > 100_000 ? 768 : 512),
      onHeapLimit: (e) => events.push(e),
    });
    try {
      const small = await build(builder, reports(3, 4));
      assert.equal(Object.keys(small['Host'].nodes).length, 3);
      assert.deepEqual(events, [], 'the first pool already had the limit this input needs');
      assert.equal(builderThread(builder).resourceLimits!.maxOldGenerationSizeMb, 512);
      assert.equal(builderThread(builder).resourceLimits!.maxYoungGenerationSizeMb, 8, 'a small build: a small young generation');

      const texts = reports(400, 10);
      const inputBytes = texts.reduce((n, t) => n + Buffer.byteLength(t), 0);
      const large = await build(builder, texts);
      assert.equal(Object.keys(large['Host'].nodes).length, 400);
      assert.equal(large['Host'].nodes['host-399;<host>'].latest.key_9.value, 'plugin 399 value 9');
      assert.deepEqual(events, [{ maxOldGenerationSizeMb: 768, maxYoungGenerationSizeMb: 8, inputBytes, reason: 'grown' }]);
      assert.equal(builderThread(builder).resourceLimits!.maxOldGenerationSizeMb, 768);

      await build(builder, reports(3, 4));
      assert.equal(events.length, 1, 'a smaller input never lowers the limit');
      assert.equal(builderThread(builder).resourceLimits!.maxOldGenerationSizeMb, 768);
    } finally {
      await builder.close();
    }
  });

  test('a build that runs out of memory fails alone; later builds run with V8 defaults', async () => {
    const events: HeapLimitEvent[] = [];
    // 16 MB of old generation cannot hold 6000 decoded reports with 20 entries each (~25 MB of input).
    const builder = new ReportBuilder({ nice: 0, inlineMaxBytes: 0, heapLimitMb: () => 16, onHeapLimit: (e) => events.push(e) });
    try {
      const texts = reports(6000, 20);
      await assert.rejects(build(builder, texts), (err: Error & { code?: string }) => {
        assert.equal(err.code, 'ERR_WORKER_OUT_OF_MEMORY', err.message);
        return true;
      });
      // First the thread for a large build (the larger young generation), then the failure.
      assert.deepEqual(
        events.map((e) => [e.reason, e.maxOldGenerationSizeMb, e.maxYoungGenerationSizeMb]),
        [
          ['grown', 16, 16],
          ['out of memory', null, 16],
        ],
      );

      const again = await build(builder, texts);
      assert.equal(Object.keys(again['Host'].nodes).length, 6000, 'the same input builds without the limit');
      assert.ok(builderThread(builder).resourceLimits!.maxOldGenerationSizeMb! > 16, "V8's default limit");
      assert.equal(events.length, 2, 'no limit is set again');
    } finally {
      await builder.close();
    }
  });
});

describe('small builds', () => {
  test('a few plugins are built on the calling thread, byte for byte as the builder thread builds them; more start the thread', async () => {
    const inline = new ReportBuilder({ nice: 0 });
    const threaded = new ReportBuilder({ nice: 0, inlineMaxBytes: 0 });
    try {
      const few = reports(10, 4);
      assert.ok(few.reduce((n, t) => n + Buffer.byteLength(t), 0) <= INLINE_BUILD_MAX_BYTES);
      const stamp = { specs: [], tsEpochNs: '1796616000000000000' };
      const a = await inline.gzipped([packParts(few)], stamp);
      assert.equal(inline.threads.length, 0, 'no builder thread for a few plugins');
      const b = await threaded.gzipped([packParts(few)], stamp);
      assert.equal(threaded.threads.length, 1);
      assert.deepEqual(a, b);

      const many = reports(1000, 30);
      assert.ok(many.reduce((n, t) => n + Buffer.byteLength(t), 0) > INLINE_BUILD_MAX_BYTES);
      const big = await build(inline, many);
      assert.equal(Object.keys(big['Host'].nodes).length, 1000);
      assert.equal(inline.threads.length, 1, 'the builder thread starts when the reports call for it');
    } finally {
      await inline.close();
      await threaded.close();
    }
  });

  test('a build on the calling thread lets the event loop run between its slices, and builds the same bytes', async () => {
    const sliced = new ReportBuilder({ nice: 0, sliceMs: 0 });
    const threaded = new ReportBuilder({ nice: 0, inlineMaxBytes: 0 });
    let turns = 0;
    let counting = true;
    const count = (): void => {
      turns++;
      if (counting) setImmediate(count);
    };
    try {
      const texts = reports(50, 4);
      const stamp = { specs: [], tsEpochNs: '1796616000000000000' };
      setImmediate(count);
      const a = await sliced.gzipped([packGroups(texts.map((t) => [t, t]))], stamp);
      counting = false;
      assert.equal(sliced.threads.length, 0, 'built on this thread');
      // Slices of 0 ms end after every plugin: 49 turns of the loop before the last plugin.
      assert.ok(turns >= 49, `the event loop turned ${turns} times during the build`);
      const b = await threaded.gzipped([packGroups(texts.map((t) => [t, t]))], stamp);
      assert.deepEqual(a, b);
    } finally {
      counting = false;
      await sliced.close();
      await threaded.close();
    }
  });
});
