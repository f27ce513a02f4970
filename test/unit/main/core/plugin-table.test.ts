/** The plugin table's rule for sockets sharing a plugin ID (src/main/core/plugin-table.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PluginTable } from '../../../../src/main/core/plugin-table.js';
import { ErrorCode } from '../../../../src/shared/errors.js';

const keys = (records: { key: string }[]) => records.map((r) => r.key);

test('of sockets sharing an id, the first by path serves it, whatever the order they came in', () => {
  const table = new PluginTable();
  assert.deepEqual(table.update([{ key: '/r/b/dup.sock', id: 'dup', shard: 1 }], []), { start: [table.get('/r/b/dup.sock')], stop: [] });
  // a arrives later but sorts first: it takes over, b stops and says why.
  const change = table.update([{ key: '/r/a/dup.sock', id: 'dup', shard: 0 }], []);
  assert.deepEqual(keys(change.start), ['/r/a/dup.sock']);
  assert.deepEqual(keys(change.stop), ['/r/b/dup.sock']);
  assert.equal(table.serving('dup')?.key, '/r/a/dup.sock');
  const b = table.get('/r/b/dup.sock')!;
  assert.equal(b.serving, false);
  assert.equal(b.state.lastError?.code, ErrorCode.DUPLICATE_ID);
  assert.equal(b.state.spec.status, 'error: plugin id "dup" is already served by /r/a/dup.sock');
  // Only serving sockets are a shard's plugins; late states of a stopped one are dropped.
  assert.deepEqual(keys(table.ofShard(1)), []);
  assert.equal(table.apply({ ...b.state, seq: 99, lastError: null }), undefined);
  assert.equal(table.get('/r/b/dup.sock')!.state.lastError?.code, ErrorCode.DUPLICATE_ID);
  // Every socket is listed.
  assert.deepEqual(
    table.rows().map((r) => [r.socket, r.errorCode]),
    [
      ['/r/a/dup.sock', null],
      ['/r/b/dup.sock', ErrorCode.DUPLICATE_ID],
    ],
  );
});

test('when the serving socket goes, the next by path serves; other ids are untouched', () => {
  const table = new PluginTable();
  table.update(
    [
      { key: '/r/c/dup.sock', id: 'dup', shard: 0 },
      { key: '/r/a/dup.sock', id: 'dup', shard: 0 },
      { key: '/r/b/dup.sock', id: 'dup', shard: 1 },
      { key: '/r/solo.sock', id: 'solo', shard: 1 },
    ],
    [],
  );
  assert.equal(table.serving('dup')?.key, '/r/a/dup.sock');
  const change = table.update([], ['/r/a/dup.sock']);
  assert.deepEqual(keys(change.stop), ['/r/a/dup.sock']);
  assert.deepEqual(keys(change.start), ['/r/b/dup.sock']);
  assert.equal(table.get('/r/b/dup.sock')!.state.lastError, null, 'starts afresh');
  assert.match(table.get('/r/c/dup.sock')!.state.spec.status ?? '', /already served by \/r\/b\/dup\.sock$/);
  assert.equal(table.serving('solo')?.key, '/r/solo.sock');
  assert.deepEqual(keys(table.ofShard(1)).sort(), ['/r/b/dup.sock', '/r/solo.sock']);
  // Removing the last socket of an id forgets the id.
  table.update([], ['/r/b/dup.sock', '/r/c/dup.sock']);
  assert.equal(table.serving('dup'), undefined);
});
