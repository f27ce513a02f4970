/**
 * Which plugins are polled when descriptors are short: the first `budget` socket paths in sorted
 * order, whatever order discovery reported them in, moving only the plugins at the boundary when
 * the set changes; said once in the log. And the open-file limit as /proc/self/limits states it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../../src/shared/errors.js';
import { planDescriptors, readOpenFileLimit } from '../../../src/main/fd-budget.js';
import { PluginAdmission } from '../../../src/main/plugin-admission.js';
import type { DiscoveredSocket } from '../../../src/main/discovery/discovery.js';
import { captureLogger, type LogLine } from '../../helpers/host.js';

const socket = (name: string): DiscoveredSocket => ({ path: `/r/${name}.sock`, id: name, dev: 1, ino: 1, birthtimeMs: 0 });
const paths = (list: readonly DiscoveredSocket[]) => list.map((s) => s.path).sort();

test('the first paths in sorted order are polled; a change moves only the boundary', () => {
  const logs: LogLine[] = [];
  const admission = new PluginAdmission({ budget: 3, nofile: 64, logger: captureLogger(logs) });
  const first = admission.apply({ added: ['e', 'b', 'd', 'a', 'c'].map(socket), removed: [] });
  assert.deepEqual(paths(first.added), paths(['a', 'b', 'c', 'd', 'e'].map(socket)), 'the first diff passes as is');
  assert.deepEqual(first.removed, []);
  assert.deepEqual(
    ['a', 'b', 'c', 'd', 'e'].map((n) => admission.refusal(`/r/${n}.sock`)?.code),
    [undefined, undefined, undefined, ErrorCode.FD_LIMIT, ErrorCode.FD_LIMIT],
  );
  assert.match(
    admission.refusal('/r/e.sock')!.message,
    /^too many plugins for the open-file limit \(nofile 64\): the host polls the first 3 plugins in socket-path order/,
  );
  assert.equal(admission.refusedCount, 2);

  // `0` sorts first: `c` loses its place and restarts refused; nothing else moves.
  const shifted = admission.apply({ added: [socket('0')], removed: [] });
  assert.deepEqual(paths(shifted.removed), ['/r/c.sock']);
  assert.deepEqual(paths(shifted.added), ['/r/0.sock', '/r/c.sock']);
  assert.equal(admission.refusal('/r/c.sock')?.code, ErrorCode.FD_LIMIT);
  assert.equal(admission.refusal('/r/0.sock'), undefined);

  // Two go away: everything fits again, the refused ones restart polled.
  const freed = admission.apply({ added: [], removed: [socket('0'), socket('a')] });
  assert.deepEqual(paths(freed.removed), ['/r/0.sock', '/r/a.sock', '/r/c.sock', '/r/d.sock']);
  assert.deepEqual(paths(freed.added), ['/r/c.sock', '/r/d.sock']);
  assert.equal(admission.refusedCount, 1);
  assert.equal(admission.refusal('/r/e.sock')?.code, ErrorCode.FD_LIMIT);

  const warnings = logs.filter((l) => l.msg.startsWith('too many plugins for the open-file limit'));
  assert.equal(warnings.length, 1, 'said once while plugins stay unpolled');
  assert.equal(warnings[0]!['firstNotPolled'], '/r/d.sock');
});

test('a socket path too long to dial needs no descriptor and takes no place', () => {
  const admission = new PluginAdmission({ budget: 1, nofile: 64, logger: captureLogger([]) });
  const long = { ...socket('x'), path: `/${'a'.repeat(120)}/x.sock` };
  admission.apply({ added: [long, socket('b')], removed: [] });
  assert.equal(admission.refusal(long.path), undefined);
  assert.equal(admission.refusal('/r/b.sock'), undefined);
});

test('/proc/self/limits: soft and hard, unlimited; the plan puts the API and the host first', () => {
  const limits = [
    'Limit                     Soft Limit           Hard Limit           Units     ',
    'Max processes             63379                63379                processes ',
    'Max open files            256                  4096                 files     ',
  ].join('\n');
  assert.deepEqual(readOpenFileLimit(limits), { soft: 256, hard: 4096 });
  assert.deepEqual(readOpenFileLimit(limits.replace('256                  4096', 'unlimited            unlimited')), { soft: Infinity, hard: Infinity });
  assert.equal(readOpenFileLimit('nothing here'), null);
  const live = readOpenFileLimit();
  assert.ok(live && live.soft > 0 && live.hard >= live.soft, 'this process has a limit');

  const plan = planDescriptors({ workers: 2, apps: 1, limit: { soft: 256, hard: 256 }, inUse: 30 });
  assert.deepEqual(plan, { limit: { soft: 256, hard: 256 }, inUse: 30, hostReserve: 32 + 16 + 4, apiConnections: 16, plugins: 256 - 30 - 52 - 32 });
  assert.equal(planDescriptors({ workers: 2, apps: 0, limit: { soft: 64, hard: 64 }, inUse: 40 }).plugins, 0);
  assert.equal(planDescriptors({ workers: 2, apps: 0, limit: { soft: 1 << 20, hard: 1 << 20 }, inUse: 40 }).apiConnections, 1024);
  assert.equal(planDescriptors({ workers: 2, apps: 0, limit: null, inUse: 40 }).plugins, Infinity);
});
