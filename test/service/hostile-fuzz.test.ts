/**
 * Randomly mutated plugin answers against the real host (test/fuzz): status line, headers,
 * framing, gzip and the JSON body (types, huge numbers, deep nesting, unicode, truncation,
 * duplicate keys…). A few hundred cases here; `npm run fuzz -- --seed N --cases N` runs thousands.
 * The host must not crash, every polled plugin must have a status and the healthy neighbours
 * must stay `ok`; a failure prints the seed and the bytes of the suspected cases.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runFuzz } from '../fuzz/run.js';

const SEED = Number(process.env['FUZZ_SEED'] ?? 20261207);
const CASES = Number(process.env['FUZZ_CASES'] ?? 300);

test(`fuzzed plugin answers: seed ${SEED}, ${CASES} cases`, { timeout: 120_000 }, async (t) => {
  const result = await runFuzz({ seed: SEED, cases: CASES });
  t.diagnostic(`outcomes: ${JSON.stringify(Object.fromEntries(result.outcomes))}`);
  assert.equal(result.served, CASES, 'every case was polled');
  assert.deepEqual(result.failures, [], `seed ${SEED}:\n${result.failures.join('\n')}`);
  assert.ok((result.outcomes.get('ok') ?? 0) > 0 && result.outcomes.size >= 4, 'the cases reach both acceptance and several refusals');
});
