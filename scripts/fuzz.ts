/**
 * `npm run fuzz -- [--seed N] [--cases N] [--only INDEX] [--plugins N]`: thousands of hostile
 * plugin answers against the real host (test/fuzz). Exits 1 on a failure, printing the seed and
 * the bytes of the cases served just before it; `--only` replays one case.
 */
import { parseArgs } from 'node:util';
import { runFuzz } from '../test/fuzz/run.js';

const { values } = parseArgs({
  options: {
    seed: { type: 'string' },
    cases: { type: 'string', default: '3000' },
    only: { type: 'string' },
    plugins: { type: 'string', default: '24' },
  },
});
const seed = values.seed !== undefined ? Number(values.seed) : Math.floor(Math.random() * 2 ** 31);
const cases = Number(values.cases);
const only = values.only !== undefined ? Number(values.only) : undefined;
for (const [name, v] of [
  ['--seed', seed],
  ['--cases', cases],
  ['--plugins', Number(values.plugins)],
  ['--only', only ?? 0],
] as const) {
  if (!Number.isInteger(v) || v < 0) {
    console.error(`${name}: expected a non-negative integer`);
    process.exit(2);
  }
}
console.log(`fuzz: seed ${seed}, ${only !== undefined ? `case ${only}` : `${cases} cases`}`);
const result = await runFuzz({ seed, cases, only, fuzzPlugins: Number(values.plugins), log: (l) => console.log(l) });
console.log(`outcomes: ${JSON.stringify(Object.fromEntries(result.outcomes))}`);
for (const f of result.failures) console.error(`FAIL ${f}`);
process.exit(result.failures.length > 0 ? 1 : 0);
