/** The actor's ring of recent exchanges: bounded, oldest first, outcomes kept by name. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { POLL_HISTORY, PollHistory } from '../src/workers/poll-history.js';

test('keeps the last POLL_HISTORY exchanges, oldest first', () => {
  const h = new PollHistory();
  assert.deepEqual(h.data(), { atMs: [], latencyMs: [], outcome: [] });
  const total = POLL_HISTORY * 2 + 7;
  for (let i = 0; i < total; i++) h.record(1_000_000 + i, i / 4, i % 10 === 0 ? 'PLUGIN_TIMEOUT' : i % 10 === 1 ? 'PLUGIN_HTTP_STATUS' : 'ok');
  const d = h.data();
  assert.equal(h.size, POLL_HISTORY);
  assert.equal(d.atMs.length, POLL_HISTORY);
  const first = total - POLL_HISTORY;
  assert.deepEqual(d.atMs, Array.from({ length: POLL_HISTORY }, (_, k) => 1_000_000 + first + k));
  assert.deepEqual(d.latencyMs, Array.from({ length: POLL_HISTORY }, (_, k) => (first + k) / 4));
  assert.deepEqual(
    d.outcome,
    Array.from({ length: POLL_HISTORY }, (_, k) => ((first + k) % 10 === 0 ? 'PLUGIN_TIMEOUT' : (first + k) % 10 === 1 ? 'PLUGIN_HTTP_STATUS' : 'ok')),
  );
});

test('a partly filled ring lists only what was recorded', () => {
  const h = new PollHistory();
  h.record(5, 1.5, 'ok');
  h.record(6, 2.25, 'PLUGIN_CONNECT');
  assert.deepEqual(h.data(), { atMs: [5, 6], latencyMs: [1.5, 2.25], outcome: ['ok', 'PLUGIN_CONNECT'] });
});
