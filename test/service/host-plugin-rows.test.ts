/**
 * `GET /api/plugins` combines two things the shards send differently (src/shared/protocol.ts): a
 * plugin's status, pushed when it changes, and its counters, read when the list is asked for. A
 * row must never pair one poll's counters with the status from before or after that poll.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { servePlugin } from '../../src/kit/index.js';
import type { PluginRow } from '../../src/main/core/plugin-table.js';
import { startTestHost } from '../helpers/host.js';
import { tempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';

test('a row shows the status of the poll its counters come from, while the plugin flips between ok and failing', async () => {
  const dir = await tempDir();
  let failing = false;
  const plugin = await servePlugin({
    id: 'flipper',
    root: dir.path,
    spec: { label: 'flipper' },
    report: () => {
      if (failing) throw new Error('down for a moment');
      return {};
    },
  });
  // Polls every 50 ms; status changes otherwise reach main up to 200 ms later (the shard's flush).
  const host = await startTestHost({ pluginsRoot: dir.path, pollIntervalMs: 50, failureBackoffMaxMs: 50 });
  const flipper = setInterval(() => {
    failing = !failing;
  }, 130);
  try {
    await waitFor('first poll', async () => ((await host.get<PluginRow[]>('/api/plugins')).body[0]?.polls ?? 0) > 0);
    let seenFailing = 0;
    let seenOk = 0;
    // Sampled until both states were seen often enough, however slowly a loaded machine answers.
    const start = Date.now();
    while (Date.now() - start < 2_500 || seenFailing <= 5 || seenOk <= 5) {
      if (Date.now() - start > 30_000) break;
      const [row] = (await host.get<PluginRow[]>('/api/plugins')).body;
      assert.ok(row);
      if (row.consecutiveFailures > 0) {
        seenFailing++;
        assert.match(row.status ?? '', /^error: /, `failing counters with status ${row.status}: ${JSON.stringify(row)}`);
        assert.equal(row.errorCode, 'PLUGIN_HTTP_STATUS');
      } else {
        seenOk++;
        assert.equal(row.status, 'ok', `ok counters with status ${row.status}: ${JSON.stringify(row)}`);
      }
    }
    assert.ok(seenFailing > 5 && seenOk > 5, `both states seen within 30 s (failing ${seenFailing}, ok ${seenOk})`);
  } finally {
    clearInterval(flipper);
    await host.close();
    await plugin.close();
    await dir.cleanup();
  }
});
