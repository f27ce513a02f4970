/**
 * The benchmark's pure helpers: statistics, /proc parsing (checked against this very process),
 * the poll-rate and lateness estimators, Prometheus text, report age extraction, the baseline's
 * fold and the scenario fleet layout. No timing assertions: speed is measured in bench/, not here.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { checkSpec, emptyFold, foldInto } from '../../bench/baseline/fold.js';
import type { RequestLogEntry } from '../../bench/fleet/request-log.js';
import { analysePolls, lateness, pollRate, reportArrivals } from '../../bench/measure/polls.js';
import { clockTicksPerSecond, cpuSeconds, openFileLimit, parseMachineStat, parseStat, parseStatus, readMemory, threadTicks } from '../../bench/measure/proc.js';
import { parsePromText, pick, sum } from '../../bench/measure/prom-text.js';
import { ReportAgeSampler, newestSamples } from '../../bench/measure/report-age.js';
import { closeHttp } from '../../bench/measure/http.js';
import { dist, mean, percentile } from '../../bench/measure/stats.js';
import { fmt, markdownTable } from '../../bench/report/table.js';
import { pluginsPerFleetProcess } from '../../bench/harness/fleet-group.js';
import { fleetPlugins, grouper, scenarioByName } from '../../bench/scenarios.js';

const report = (arrive: number, path = '/report', status = 200): RequestLogEntry => ({ arrive, finish: arrive + 1, path, status });

describe('stats', () => {
  it('nearest-rank percentiles return observed values', () => {
    const v = Array.from({ length: 100 }, (_, i) => 100 - i); // 100..1, unsorted
    assert.equal(percentile(v, 50), 50);
    assert.equal(percentile(v, 99), 99);
    assert.equal(percentile(v, 100), 100);
    assert.equal(percentile(v, 0), 1);
    assert.equal(percentile([7], 99), 7);
    assert.ok(Number.isNaN(percentile([], 50)));
    assert.throws(() => percentile([1], 101), RangeError);
  });

  it('dist and mean', () => {
    assert.deepEqual(dist([3, 1, 2]), { n: 3, p50: 2, p99: 3, max: 3 });
    assert.equal(dist([]).n, 0);
    assert.equal(mean([1, 2, 3, 4]), 2.5);
  });
});

describe('/proc parsing', () => {
  it('parses a stat line whose comm has spaces and parentheses', () => {
    const fields = Array.from({ length: 50 }, (_, i) => String(i + 3)); // field k holds the value k
    fields[0] = 'S';
    const s = parseStat(`1234 (we ird) name) ${fields.join(' ')}`);
    assert.equal(s.comm, 'we ird) name');
    assert.equal(s.state, 'S');
    assert.equal(s.utime, 14);
    assert.equal(s.stime, 15);
    assert.equal(s.numThreads, 20);
  });

  it('reads this process: CPU, RSS close to process.memoryUsage, threads', () => {
    assert.ok(clockTicksPerSecond() >= 1);
    let x = 0;
    for (let i = 0; i < 2e6; i++) x += Math.sqrt(i); // spend a little CPU so the counter is non-zero
    assert.ok(x > 0);
    assert.ok(cpuSeconds(process.pid) > 0);
    const mem = readMemory(process.pid);
    const rss = process.memoryUsage().rss;
    assert.ok(Math.abs(mem.rss - rss) / rss < 0.25, `VmRSS ${mem.rss} vs memoryUsage ${rss}`);
    assert.ok(mem.hwm >= mem.rss * 0.99);
    assert.ok(mem.threads >= 1);
    assert.ok(threadTicks(process.pid).size >= 1);
    assert.ok(openFileLimit() > 0);
  });

  it('parses status and machine stat text', () => {
    const m = parseStatus('Name:\tnode\nVmHWM:\t  2048 kB\nVmRSS:\t  1024 kB\nThreads:\t7\n');
    assert.deepEqual(m, { rss: 1024 * 1024, hwm: 2048 * 1024, threads: 7 });
    assert.throws(() => parseStatus('Name: x\n'), /VmRSS/);
    const t = parseMachineStat('cpu  10 1 5 100 4 1 2 0 0 0\ncpu0 1 2 3\n');
    assert.deepEqual(t, { busy: 19, total: 123 });
    assert.ok(parseMachineStat(readFileSync('/proc/stat', 'utf8')).total > 0);
  });
});

describe('poll rate and lateness', () => {
  const w = { start: 10_000, end: 40_000, intervalMs: 1000 };

  it('a perfect 1 s poller reads exactly 1/s whatever its phase in the window', () => {
    for (const phase of [0, 1, 250, 999]) {
      const arrivals = Array.from({ length: 40 }, (_, k) => 9_000 + phase + k * 1000).filter((t) => t >= w.start && t < w.end);
      assert.ok(Math.abs(pollRate(arrivals, w) - 1) < 1e-9, `phase ${phase}`);
      assert.ok(lateness(arrivals, 1000).every((l) => Math.abs(l) < 1e-9));
    }
  });

  it('a poller that stops halfway shows about half the rate', () => {
    const arrivals = Array.from({ length: 15 }, (_, k) => 10_500 + k * 1000);
    const r = pollRate(arrivals, w);
    assert.ok(r > 0.45 && r < 0.55, String(r));
  });

  it('a 2 s serial cycle reads 0.5/s and +1 s lateness', () => {
    const arrivals = Array.from({ length: 15 }, (_, k) => 10_300 + k * 2000);
    assert.ok(Math.abs(pollRate(arrivals, w) - 0.5) < 0.02);
    assert.deepEqual(new Set(lateness(arrivals, 1000)), new Set([1000]));
  });

  it('reportArrivals keeps /report inside the window; analysePolls groups plugins', () => {
    const log = [report(9_999), report(10_000), report(10_500, '/control'), report(11_000), report(40_000)];
    assert.deepEqual(reportArrivals(log, w), [10_000, 11_000]);
    const logs = new Map<string, RequestLogEntry[]>([
      ['a', Array.from({ length: 30 }, (_, k) => report(10_100 + k * 1000))],
      ['b', Array.from({ length: 15 }, (_, k) => report(10_100 + k * 2000))],
      ['x', [report(20_000)]],
    ]);
    const out = analysePolls(logs, w, (id) => (id === 'x' ? null : 'healthy'));
    assert.deepEqual(Object.keys(out), ['healthy']);
    assert.equal(out['healthy']!.plugins, 2);
    assert.equal(out['healthy']!.worstPlugin, 'b');
    assert.equal(out['healthy']!.below099, 1);
    assert.equal(out['healthy']!.requests, 45);
  });
});

describe('Prometheus text and report age', () => {
  it('parses labelled samples', () => {
    const text = [
      '# HELP x y',
      'scope_plugin_host_polls_total{outcome="ok"} 10',
      'scope_plugin_host_polls_total{outcome="PLUGIN_TIMEOUT"} 2',
      'scope_plugin_host_event_loop_utilization{worker="main"} 0.25',
      'plain 3',
    ].join('\n');
    const s = parsePromText(text);
    assert.equal(pick(s, 'scope_plugin_host_event_loop_utilization', { worker: 'main' }), 0.25);
    assert.equal(sum(s, 'scope_plugin_host_polls_total'), 12);
    assert.equal(pick(s, 'plain'), 3);
    assert.ok(Number.isNaN(pick(s, 'missing')));
  });

  it('finds the newest sample per fake plugin', () => {
    const body = JSON.stringify({
      Host: {
        nodes: {
          'h;<host>': {
            metrics: {
              fake_metric_0001: { samples: [{ date: '2026-01-01T00:00:01.500000000Z' }, { date: '2026-01-01T00:00:02.250000000Z' }] },
              fake_metric_0002: { samples: [{ date: '2026-01-01T00:00:03Z' }] },
              other: { samples: [{ date: '2026-01-01T00:00:09Z' }] },
            },
          },
        },
      },
    });
    const m = newestSamples(body);
    assert.equal(m.get('fake-0001'), Date.parse('2026-01-01T00:00:02.250Z'));
    assert.equal(m.get('fake-0002'), Date.parse('2026-01-01T00:00:03Z'));
    assert.equal(m.size, 2);
  });
});

describe('report age sampler', () => {
  it('a fetch in flight when mark() is called belongs to the warm-up', async () => {
    let requests = 0;
    const body = JSON.stringify({ Host: { nodes: {} } });
    // Slow answers: the first fetch is still in flight when the window opens.
    const server = createServer((_req, res) => {
      requests++;
      setTimeout(() => res.end(body), 120);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const sampler = new ReportAgeSampler(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, 20, () => 'healthy');
    const until = async (done: () => boolean): Promise<void> => {
      while (!done()) await new Promise((r) => setTimeout(r, 5));
    };
    try {
      sampler.start();
      await until(() => requests >= 1);
      sampler.mark();
      const atMark = requests;
      await until(() => requests >= atMark + 2);
      const win = await sampler.finish([]);
      assert.ok(win.fetches <= requests - atMark, `fetches ${win.fetches}, requests sent after mark ${requests - atMark}`);
      assert.ok(win.fetches >= 1, `fetches ${win.fetches}`);
    } finally {
      sampler.stop();
      closeHttp();
      await new Promise((r) => server.close(r));
    }
  });

  it('fetches from start(), but counts only what was sent after mark()', async () => {
    let requests = 0;
    const body = JSON.stringify({ Host: { nodes: { h: { metrics: { fake_metric_0001: { samples: [{ date: new Date().toISOString() }] } } } } } });
    const server = createServer((_req, res) => {
      requests++;
      res.end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const sampler = new ReportAgeSampler(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, 40, () => 'healthy');
    const until = async (done: () => boolean): Promise<void> => {
      while (!done()) await new Promise((r) => setTimeout(r, 10));
    };
    try {
      sampler.start();
      await until(() => requests >= 3); // the warm-up's fetches
      sampler.mark();
      const atMark = requests;
      await until(() => requests >= atMark + 3);
      const win = await sampler.finish(['fake-0001']);
      assert.ok(win.fetches >= 2, `fetches ${win.fetches}`);
      assert.ok(win.fetches <= requests - atMark, `fetches ${win.fetches}, requests after mark ${requests - atMark}`);
      assert.equal(win.failures, 0);
      assert.equal(win.ageMs['healthy']?.n, win.fetches);
    } finally {
      sampler.stop();
      closeHttp();
      await new Promise((r) => server.close(r));
    }
  });
});

describe('baseline fold', () => {
  const spec = (id: string) => ({ id, label: id, api_version: '1', interfaces: ['reporter'] });

  it('checks specs with upstream rules and wording', () => {
    assert.equal(checkSpec({ Plugins: [spec('a')] }, 'a', '1').status, 'ok');
    assert.match(checkSpec({}, 'a', '1').status, /exactly one plugin \(found 0\)/);
    assert.match(checkSpec({ Plugins: [spec('b')] }, 'a', '1').status, /must not change its id/);
    assert.match(checkSpec({ Plugins: [{ ...spec('a'), label: '' }] }, 'a', '1').status, /label/);
  });

  it('merges nodes: newest latest entry wins, metric samples are united in date order', () => {
    const acc = emptyFold();
    const node = (ts: string, v: string, date: string) => ({
      Host: { nodes: { h: { latest: { k: { timestamp: ts, value: v } }, metrics: { m: { samples: [{ date, value: 1 }], min: 1, max: 1 } } } } },
    });
    foldInto(acc, node('2026-01-01T00:00:02Z', 'new', '2026-01-01T00:00:02Z'));
    foldInto(acc, node('2026-01-01T00:00:01Z', 'old', '2026-01-01T00:00:01Z'));
    const h = (
      acc['Host'] as { nodes: Record<string, { latest: Record<string, { value: string }>; metrics: Record<string, { samples: { date: string }[] }> }> }
    ).nodes['h']!;
    assert.equal(h.latest['k']!.value, 'new');
    assert.deepEqual(
      h.metrics['m']!.samples.map((s) => s.date),
      ['2026-01-01T00:00:01Z', '2026-01-01T00:00:02Z'],
    );
  });
});

describe('scenarios and tables', () => {
  it('the loaded fleet has 1% hung, 1% slow and 10 controllers, never first or last', () => {
    const specs = fleetPlugins(scenarioByName('hung')!);
    assert.equal(specs.length, 1000);
    assert.equal(specs.filter((p) => p.hang).length, 10);
    assert.equal(specs.filter((p) => (p.latencyMs ?? 0) > 0).length, 10);
    assert.equal(specs.filter((p) => p.controller).length, 10);
    assert.ok(!specs[0]!.hang && !specs[999]!.hang && !specs[0]!.latencyMs && !specs[999]!.latencyMs);
    const groupOf = grouper(specs);
    assert.equal(groupOf(specs.find((p) => p.hang)!.id), 'hung');
    assert.equal(groupOf('fake-0499-h1'), null);
  });

  it('a fleet process gets as many plugins as 2 fds each allow', () => {
    assert.equal(pluginsPerFleetProcess(20_000), 9900);
    assert.equal(Math.ceil(10_000 / pluginsPerFleetProcess(20_000)), 2);
    assert.equal(pluginsPerFleetProcess(100), 1);
  });

  it('formats n/a and Markdown', () => {
    assert.equal(fmt(Number.NaN), 'n/a');
    assert.equal(fmt(null), 'n/a');
    assert.equal(fmt(1.234, 2), '1.23');
    assert.equal(
      markdownTable([
        ['a', 'b'],
        ['x|y', '1'],
      ]),
      '| a | b |\n|---|---:|\n| x\\|y | 1 |',
    );
  });
});
