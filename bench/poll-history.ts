/**
 * What the detail view's history costs per poll: one `PollHistory.record` (the actor calls it
 * once per exchange) against reading the whole ring (once per detail request).
 * `node --import tsx bench/poll-history.ts`
 */
import { bench, run } from 'mitata';
import { PollHistory } from '../src/workers/poll-history.js';

const history = new PollHistory();
const outcomes = ['ok', 'ok', 'ok', 'PLUGIN_TIMEOUT'];
let i = 0;
const start = Date.now();

bench('PollHistory.record (per poll)', () => {
  history.record(start + i, 1.25 + (i & 7), outcomes[i++ & 3]!);
});
bench('PollHistory.data (120 entries, per detail request)', () => history.data());

await run();
