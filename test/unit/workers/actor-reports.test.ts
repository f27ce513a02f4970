/**
 * An actor's current and pending reports in one buffer (src/workers/actor-reports.ts): what a
 * snapshot packs in each mode after polls, failures, shortcuts, drains and limit changes, and
 * that each report is held once.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PartPacker, eachGroup } from '../../../src/shared/parts.js';
import { ActorReports } from '../../../src/workers/actor-reports.js';

const decoder = new TextDecoder();

/** One snapshot of `reports` in `mode`, as texts. */
function snapshot(reports: ActorReports, mode: 'current' | 'drain'): string[] {
  const packer = new PartPacker();
  reports.countInto(packer, mode);
  packer.allocate();
  reports.addInto(packer, mode);
  return Array.from(eachGroup([packer.done()]))
    .flat()
    .map((p) => decoder.decode(p));
}

const bytes = (...texts: string[]): number => texts.reduce((n, t) => n + Buffer.byteLength(t), 0);

test('polls accumulate up to the limit, the newest is current, and a drain leaves only the current one, held once', () => {
  const r = new ActorReports();
  for (const t of ['{"p":1}', '{"p":2}', '{"p":3}', '{"p":4}', '{"p":5}']) r.polled(t, 4);
  assert.deepEqual(r.pendingParts(), ['{"p":2}', '{"p":3}', '{"p":4}', '{"p":5}'], 'the oldest went past the limit');
  assert.equal(r.heldBytes, bytes('{"p":2}', '{"p":3}', '{"p":4}', '{"p":5}'), 'the current report is not a second copy');
  assert.deepEqual(snapshot(r, 'current'), ['{"p":5}']);
  assert.deepEqual(snapshot(r, 'drain'), ['{"p":2}', '{"p":3}', '{"p":4}', '{"p":5}']);
  assert.equal(r.pendingCount, 0);
  assert.equal(r.heldBytes, bytes('{"p":5}'));
  assert.deepEqual(snapshot(r, 'drain'), ['{"p":5}'], 'nothing new since: the current report');
  assert.deepEqual(snapshot(r, 'current'), ['{"p":5}']);
  r.polled('{"p":6}', 4);
  assert.deepEqual(snapshot(r, 'drain'), ['{"p":6}']);
  assert.equal(r.heldBytes, bytes('{"p":6}'));
});

test('a failed poll empties the current reports and keeps the pending ones for the publish', () => {
  const r = new ActorReports();
  r.polled('{"ok":1}', 4);
  r.failed();
  assert.equal(r.currentCount, 0);
  assert.equal(r.currentBytes, 0);
  assert.deepEqual(r.currentViews(), []);
  assert.deepEqual(snapshot(r, 'current'), []);
  assert.deepEqual(snapshot(r, 'drain'), ['{"ok":1}']);
  assert.equal(r.heldBytes, 0, 'drained and not current: nothing held');
  assert.deepEqual(snapshot(r, 'drain'), [], 'a failing plugin contributes no report');
});

test('a shortcut report joins the current and the pending ones; while failing it is the only current one', () => {
  const r = new ActorReports();
  r.polled('{"poll":1}', 4);
  r.shortcut('{"shortcut":1}', 4);
  assert.deepEqual(snapshot(r, 'current'), ['{"poll":1}', '{"shortcut":1}']);
  assert.equal(r.currentBytes, bytes('{"poll":1}', '{"shortcut":1}'));
  assert.deepEqual(
    r.currentViews().map((v) => v.toString()),
    ['{"poll":1}', '{"shortcut":1}'],
  );
  assert.deepEqual(snapshot(r, 'drain'), ['{"poll":1}', '{"shortcut":1}']);
  r.polled('{"poll":2}', 4);
  assert.deepEqual(snapshot(r, 'current'), ['{"poll":2}'], 'the next poll replaces the shortcut');

  r.failed();
  r.shortcut('{"shortcut":2}', 4);
  assert.deepEqual(snapshot(r, 'current'), ['{"shortcut":2}']);
  assert.deepEqual(snapshot(r, 'drain'), ['{"poll":2}', '{"shortcut":2}']);
});

test('without publishing (limit 0) nothing is pending and the current report is still kept; lowering the limit drops the oldest', () => {
  const r = new ActorReports();
  r.polled('{"a":1}', 0);
  r.polled('{"a":2}', 0);
  assert.equal(r.pendingCount, 0);
  assert.equal(r.heldBytes, bytes('{"a":2}'));
  assert.deepEqual(snapshot(r, 'drain'), ['{"a":2}']);

  for (const t of ['{"b":1}', '{"b":2}', '{"b":3}']) r.polled(t, 4);
  r.keepPending(1);
  assert.deepEqual(r.pendingParts(), ['{"b":3}']);
  assert.equal(r.heldBytes, bytes('{"b":3}'));
  r.keepPending(0);
  assert.equal(r.pendingCount, 0);
  assert.deepEqual(snapshot(r, 'current'), ['{"b":3}'], 'the current report outlives publishing');
});
