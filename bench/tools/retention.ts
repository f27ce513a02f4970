/**
 * What keeping each plugin's last report costs, by the form it is kept in. One process polls P
 * fake plugins once a second (undici, offsets spread over the second, like the host's actors) and
 * keeps per plugin either the decoded report model, the `JSON.parse` output, the body string after
 * a decode (validate, then drop the graph), or just the body string. Prints CPU per poll and RSS
 * over 20 s after a 10 s warm-up.
 *
 *   node --import tsx bench/tools/retention.ts [--plugins 1500] [--keep decoded|parsed|decode-drop|string|slab|none]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client } from 'undici';
import { decodeReport } from '../../src/shared/report/index.js';
import { fakePlugins } from '../fleet/scenario.js';
import { FleetGroup } from '../harness/fleet-group.js';

const { values } = parseArgs({ options: { plugins: { type: 'string', default: '1500' }, keep: { type: 'string', default: 'decoded' } } });
const P = Number(values.plugins);
const keep = values.keep!;
if (!['decoded', 'parsed', 'decode-drop', 'string', 'slab', 'none'].includes(keep)) throw new Error(`--keep: unknown form ${keep}`);
const root = mkdtempSync(join(tmpdir(), 'sph-rt-'));
const fleet = await FleetGroup.start(root, P);
const specs = fakePlugins(P, { reportBytes: 2048 });
await fleet.addPlugins(specs);
const kept: unknown[] = new Array(P);
const clients = specs.map((s) => new Client('http://localhost', { socketPath: join(root, s.id, `${s.id}.sock`), keepAliveTimeout: 30_000 }));
const timers: NodeJS.Timeout[] = [];
async function poll(i: number): Promise<void> {
  const { body } = await clients[i]!.request({ path: '/report?api_version=1&probe_id=x', method: 'GET' });
  if (keep === 'slab' || keep === 'none') {
    const bytes = new Uint8Array(await body.arrayBuffer());
    if (keep === 'none') return;
    let slab = kept[i] as Buffer | undefined;
    if (slab === undefined || slab.length < bytes.length) kept[i] = slab = Buffer.allocUnsafeSlow(bytes.length * 2);
    slab.set(bytes);
    return;
  }
  const text = await body.text();
  if (keep === 'decoded') kept[i] = decodeReport(text);
  else if (keep === 'parsed') kept[i] = JSON.parse(text);
  else if (keep === 'decode-drop') kept[i] = (decodeReport(text), text);
  else kept[i] = text;
}
const fire = (i: number): void => void poll(i).catch(() => undefined);
for (let i = 0; i < P; i++) {
  timers.push(
    setTimeout(
      () => {
        fire(i);
        timers.push(setInterval(() => fire(i), 1000));
      },
      (i * 1000) / P,
    ),
  );
}
await new Promise((r) => setTimeout(r, 10_000));
const c0 = process.cpuUsage();
const rss: number[] = [];
for (let k = 0; k < 40; k++) {
  await new Promise((r) => setTimeout(r, 500));
  rss.push(process.memoryUsage().rss / 1e6);
}
const c = process.cpuUsage(c0);
const us = c.user + c.system;
console.log(
  `${P} plugins, keep ${keep}: CPU ${((us / 1e6 / 20) * 100).toFixed(1)}% of a core, ${(us / (20 * P)).toFixed(0)} µs/poll, ` +
    `RSS mean ${(rss.reduce((a, b) => a + b) / rss.length).toFixed(0)} MB peak ${Math.max(...rss).toFixed(0)} MB, heapUsed ${(process.memoryUsage().heapUsed / 1e6).toFixed(0)} MB`,
);
for (const t of timers) clearTimeout(t);
await Promise.allSettled(clients.map((cl) => cl.destroy()));
await fleet.stop();
rmSync(root, { recursive: true, force: true });
