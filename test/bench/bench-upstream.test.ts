/**
 * The bench's upstream target, without timing: what the bench is told when the scope binary is
 * missing, the probe's command line and ID, targets relative to upstream,
 * the host ÷ upstream ratios, the control route through the app, and a scenario run without the
 * binary (the host alone, no app, relative goals unchecked), and the memory budget's parsing.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { firstOkAt, controlRequest } from '../../bench/harness/probes.js';
import { Progress } from '../../bench/harness/progress.js';
import { checkTargets, runScenario } from '../../bench/harness/run-scenario.js';
import { parseProbeId, probeArgs } from '../../bench/harness/scope-processes.js';
import { closeHttp } from '../../bench/measure/http.js';
import type { SideResult } from '../../bench/report/result.js';
import { docsResults, figuresTable, ratiosTable, replaceResults } from '../../bench/report/summary.js';
import { fmtRatio, hostRatio, passText, sideBySide } from '../../bench/report/table.js';
import { scenarioByName, type Scenario } from '../../bench/scenarios.js';
import { classifySmaps, cpuByRole, heapBudget, parseSwitches } from '../../bench/tools/budget-model.js';
import { scopeBinary } from '../helpers/scope-binary.js';
import { tempDir } from '../helpers/tmp.js';

after(() => closeHttp());

describe('without the scope binary', () => {
  it('the bench is told why, not thrown at', () => {
    const saved = process.env['SCOPE_BINARY_XZ'];
    process.env['SCOPE_BINARY_XZ'] = '/nonexistent/scope.xz';
    try {
      const r = scopeBinary();
      assert.ok('skip' in r && r.skip.includes('/nonexistent/scope.xz'), JSON.stringify(r));
    } finally {
      if (saved === undefined) delete process.env['SCOPE_BINARY_XZ'];
      else process.env['SCOPE_BINARY_XZ'] = saved;
    }
  });
});

describe('the upstream probe process', () => {
  it('reads the probe ID from its start line', () => {
    const log =
      '<probe> INFO: 2026/12/07 10:12:40.531121 Basic authentication disabled\n' +
      '<probe> INFO: 2026/12/07 10:12:40.532088 probe starting, version 12175b96a, ID 64b707f2d199ddc0\n';
    assert.equal(parseProbeId(log), '64b707f2d199ddc0');
    assert.equal(parseProbeId('<probe> INFO: publishing to: http://127.0.0.1:1\n'), undefined);
  });

  it('polls the fleet root with its own collectors off and publishes every 3 s to the app', () => {
    const args = probeArgs({ root: '/tmp/fleet', listen: '127.0.0.1:9', appUrl: 'http://127.0.0.1:8' });
    for (const a of [
      '--mode=probe',
      '--no-app',
      '--weave=false',
      '--probe.plugins.root=/tmp/fleet',
      '--probe.docker=false',
      '--probe.conntrack=false',
      '--probe.ebpf.connections=false',
      '--probe.proc.spy=false',
      '--probe.processes=false',
      '--probe.publish.interval=3s',
      '--probe.http.listen=127.0.0.1:9',
    ]) {
      assert.ok(args.includes(a), a);
    }
    assert.equal(args.at(-1), 'http://127.0.0.1:8', 'the app URL is the last (positional) argument');
  });

  it('clicks a control through the app as the UI does: probe and node ids encoded, control id not', () => {
    const up = controlRequest({ appUrl: 'http://127.0.0.1:8', probeId: 'abc' }, 'h1;<host>', 'fake-0003');
    assert.equal(up.url, 'http://127.0.0.1:8/api/control/abc/h1%3B%3Chost%3E/fake-0003~fake_control');
    assert.equal(up.body, '');
    const host = controlRequest({ targetUrl: 'http://127.0.0.1:7' }, 'h1;<host>', 'fake-0003');
    assert.equal(host.url, 'http://127.0.0.1:7/api/control');
    assert.deepEqual(JSON.parse(host.body), { AppID: 'bench', NodeID: 'h1;<host>', Control: 'fake-0003~fake_control', ControlArgs: null });
  });

  it('a plugin is ok for the probe at the end of its first answered /report', () => {
    const log = [
      { path: '/report', status: 0, arrive: 1, finish: 2 },
      { path: '/control', status: 200, arrive: 3, finish: 4 },
      { path: '/report', status: 200, arrive: 5, finish: 6 },
      { path: '/report', status: 200, arrive: 7, finish: 8 },
    ];
    assert.equal(firstOkAt(log), 6);
    assert.equal(firstOkAt(log.slice(0, 2)), undefined);
  });
});

/** A side with just the fields the targets and ratio tables read. */
function side(kind: SideResult['kind'], cpuPct: number, rssPeakMB: number, rateWorst: number, extra: Partial<SideResult> = {}): SideResult {
  const dist = (p99: number) => ({ n: 1, p50: p99, p99, max: p99 });
  return {
    label: kind,
    kind,
    settings: {},
    windowSeconds: 30,
    polls: { healthy: { plugins: 1, requests: 30, rateMean: rateWorst, rateWorst, worstPlugin: null, below099: 0, below095: 0, latenessMs: dist(40) } },
    cpu: { pid: 1, seconds: 30, cpuPct, rssMeanMB: rssPeakMB, rssPeakMB, hwmMB: rssPeakMB, threads: 1, topThreads: [] },
    fleet: { pid: 2, seconds: 30, cpuPct: 1, rssMeanMB: 1, rssPeakMB: 1, hwmMB: 1, threads: 1, topThreads: [] },
    machineBusyPct: 50,
    othersPct: 0,
    benchCpuPct: 0,
    metrics: { mainEluMean: 0, mainEluMax: 0, workerElu: {}, outcomes: {}, scrapes: 0 },
    deadlineMisses: 0,
    abortedAtNonHung: 0,
    reportAge: { fetches: 1, failures: 0, ageMs: { healthy: dist(kind === 'host' ? 1000 : 4000) }, missingLast: {}, bytes: 1, fetchMs: dist(1) },
    ...extra,
  };
}

describe('targets and ratios against upstream', () => {
  const s = scenarioByName('n1000')!;

  it('a relative goal is checked against upstream from the same run', () => {
    const checks = checkTargets(s, [side('host', 20, 100, 1), side('upstream', 100, 90, 1), side('baseline', 50, 60, 1)]);
    const cpuAbs = checks.find((c) => c.label.startsWith('CPU') && !c.vsUpstream)!;
    const cpuRel = checks.find((c) => c.label.startsWith('CPU') && c.vsUpstream)!;
    const rssRel = checks.find((c) => c.label.startsWith('RSS') && c.vsUpstream)!;
    assert.equal(cpuAbs.pass, false, '20 % > 10 %');
    assert.equal(cpuRel.upstreamMeasured, 100);
    assert.equal(cpuRel.pass, true, '20 % <= 0.25 × 100 %');
    assert.equal(rssRel.pass, false, '100 MB > 1 × 90 MB');
    assert.equal(rssRel.baseline, 60);
    const tight = checkTargets(s, [side('host', 26, 90, 1), side('upstream', 100, 90, 1)]);
    assert.equal(tight.find((c) => c.label.startsWith('CPU') && c.vsUpstream)!.pass, false, '26 % > 25 %');
    assert.equal(tight.find((c) => c.label.startsWith('RSS') && c.vsUpstream)!.pass, true, 'equal RSS meets <= 1 ×');
  });

  it('without an upstream side a relative goal is not checked, an absolute one still is', () => {
    const checks = checkTargets(s, [side('host', 5, 100, 1)]);
    const rel = checks.filter((c) => c.vsUpstream);
    assert.ok(rel.length >= 2);
    for (const c of rel) {
      assert.equal(c.pass, null);
      assert.equal(passText(c), 'n/a (no upstream)');
    }
    assert.equal(checks.find((c) => c.label.startsWith('worst'))!.pass, true);
  });

  it('host ÷ upstream: missing or zero divisors give no ratio; text keeps two digits below 1', () => {
    assert.equal(hostRatio(2, 8), 0.25);
    assert.ok(Number.isNaN(hostRatio(2, 0)));
    assert.ok(Number.isNaN(hostRatio(undefined, 3)));
    assert.ok(Number.isNaN(hostRatio(2, null)));
    assert.ok(Number.isNaN(hostRatio(Number.NaN, 3)));
    assert.equal(fmtRatio(0.2513), '0.25×');
    assert.equal(fmtRatio(1.04), '1.0×');
    assert.equal(fmtRatio(12.6), '13×');
    assert.equal(fmtRatio(Number.NaN), '');
  });

  it('the ratio tables list scenarios that ran upstream, with n/a for what was not measured', () => {
    const base = { title: 't', plugins: 1, reportBytes: 2048, startedAt: '', node: 'v', cpus: 2, loadAvgAtStart: [], fleetListenMs: 1, targets: [], notes: [] };
    const withUp = { ...base, scenario: 'n10', sides: [side('host', 2, 150, 1), side('upstream', 0.5, 75, 1)] };
    const hostOnly = { ...base, scenario: 'n200', sides: [side('host', 2, 150, 1)] };
    const table = ratiosTable([withUp, hostOnly]);
    const rows = table.split('\n');
    assert.equal(rows.length, 3, table);
    assert.match(
      rows[0]!,
      /\| scenario \| CPU \| RSS peak \| worst plugin rate \| lateness p99 \| report age p99 \| discovery p99 \| control round trip p99 \|/,
    );
    assert.equal(rows[2], '| n10 | 4.0× | 2.0× | 1.0× | 1.0× | 0.25× | n/a | n/a |');
    assert.match(figuresTable([withUp]), /\| n10 \| 2\.0 \/ 0\.5 \| 150 \/ 75 \| 1\.000 \/ 1\.000 \|/);
    const sbs = sideBySide(withUp);
    assert.deepEqual(sbs[0], ['measure', 'host', 'upstream (Go)', 'host ÷ upstream']);
    assert.equal(sbs.find((r) => r[0] === 'CPU, % of one core')![3], '4.0×');
  });
});

describe('the generated results in the docs', () => {
  it('goes under its heading once, and a later run replaces it without touching the rest', () => {
    const doc = '# B\n\n## Latest results\n\n![chart](c.svg)\n\n## Next\n';
    const once = replaceResults(doc, 'TABLE 1');
    assert.match(once, /## Latest results\n\n<!-- results:start[^\n]*-->\n\nTABLE 1\n\n<!-- results:end -->\n\n!\[chart\]/);
    const twice = replaceResults(once, 'TABLE 2');
    assert.equal(twice, once.replace('TABLE 1', 'TABLE 2'));
    assert.throws(() => replaceResults('# no heading\n', 'T'), /Latest results/);
  });

  it('says the windows the run measured, the Node release and the machine', () => {
    const base = { title: 't', plugins: 1, reportBytes: 2048, node: 'v24.22.3', cpus: 2, loadAvgAtStart: [], fleetListenMs: 1, targets: [], notes: [] };
    const short = (s: SideResult): SideResult => ({ ...s, windowSeconds: 20.0031 });
    const a = { ...base, scenario: 'n10', startedAt: '2026-12-07T14:10:00Z', sides: [short(side('host', 2, 150, 1)), short(side('upstream', 0.5, 75, 1))] };
    const b = { ...base, scenario: 'n200', startedAt: '2026-12-07T14:12:00Z', sides: [side('host', 2, 150, 1), side('upstream', 0.5, 75, 1)] };
    assert.match(docsResults([a, b]), /^Run of 2026-12-07 14:10 to 2026-12-07 14:12 UTC, Node v24\.22\.3, 2 CPUs, 20 \/ 30 s windows\. /);
  });
});

describe('a scenario without the scope binary', () => {
  it('runs the host alone: no upstream side, no app, report age read from the host', async () => {
    const tmp = await tempDir('sbw-');
    try {
      const workDir = join(tmp.path, 'work');
      mkdirSync(workDir);
      const s: Scenario = { ...scenarioByName('n10')!, plugins: 3, warmupSeconds: 1, seconds: 1, reportAgeEveryMs: 300 };
      const progress = new Progress();
      const r = await runScenario(s, { workDir, baselineScript: '', progress, skipBaseline: true, scopeBinary: null });
      progress.done();
      assert.deepEqual(
        r.sides.map((x) => x.kind),
        ['host'],
      );
      const host = r.sides[0]!;
      assert.equal(host.app, undefined);
      assert.equal(host.reportAgeFrom, 'target');
      assert.ok(host.polls['healthy']!.plugins === 3, JSON.stringify(host.polls));
      for (const t of r.targets.filter((x) => x.vsUpstream)) assert.equal(t.pass, null);
      assert.equal(ratiosTable([r]).split('\n').length, 2, 'header only: nothing to compare');
    } finally {
      await tmp.cleanup();
    }
  });
});

describe('memory budget parsing', () => {
  const smaps = [
    '55d0c0000000-55d0c0400000 r-xp 00000000 08:01 123 /usr/bin/node',
    'Rss:                1024 kB',
    '55d0c1000000-55d0c1200000 rw-p 00000000 00:00 0 [heap]',
    'Rss:                 512 kB',
    '7f0000100000-7f0000200000 rw-p 00000000 00:00 0 ',
    'Rss:                 300 kB',
    '7f0004100000-7f0004101000 ---p 00000000 00:00 0 ',
    'Rss:                   0 kB',
    '7f0004101000-7f0004901000 rw-p 00000000 00:00 0 ',
    'Rss:                  64 kB',
    '7f0008000000-7f0008200000 rw-p 00000000 00:00 0 ',
    'Rss:                 256 kB',
    '7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0 [stack]',
    'Rss:                  32 kB',
  ].join('\n');

  it('splits smaps into mapped files, stacks, malloc and other anonymous memory', () => {
    const b = classifySmaps(smaps);
    assert.equal(b.fileMB, 1);
    assert.equal(b.stacksMB, (64 + 32) / 1024, 'the mapping above a 4 KB guard page, and [stack]');
    assert.equal(b.mallocMB, (512 + 256) / 1024, '[heap] and the 64 MB-aligned arena');
    assert.equal(b.otherAnonMB, 300 / 1024);
  });

  it("accounts for all of this process's RSS", () => {
    const b = classifySmaps(readFileSync('/proc/self/smaps', 'utf8'));
    const total = b.fileMB + b.stacksMB + b.mallocMB + b.otherAnonMB;
    const rssMB = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))![1]) / 1024;
    assert.ok(Math.abs(total - rssMB) / rssMB < 0.1, `smaps ${total.toFixed(1)} MB vs VmRSS ${rssMB.toFixed(1)} MB`);
    assert.ok(b.fileMB > 10, 'the node binary is mapped');
  });

  it("reads a thread's context switches from its status", () => {
    assert.deepEqual(parseSwitches('Name:\tnode\nvoluntary_ctxt_switches:\t1234\nnonvoluntary_ctxt_switches:\t56\n'), { voluntary: 1234, involuntary: 56 });
    const self = parseSwitches(readFileSync('/proc/thread-self/status', 'utf8'));
    assert.ok(Number.isInteger(self.voluntary) && self.voluntary >= 0);
  });

  it("a thread's V8 heap: committed = used + slack; CPU by role names helpers", () => {
    const h = heapBudget({
      threadId: 1,
      tid: 42,
      role: 'shard',
      heap: { total_heap_size: 0, used_heap_size: 0, total_physical_size: 0, external_memory: 2 * 1048576, malloced_memory: 1048576 },
      spaces: [
        { space_name: 'new_space', space_size: 0, space_used_size: 1048576, physical_space_size: 2 * 1048576 },
        { space_name: 'old_space', space_size: 0, space_used_size: 5 * 1048576, physical_space_size: 8 * 1048576 },
      ],
      code: { code_and_metadata_size: 1048576, bytecode_and_metadata_size: 1048576 },
    });
    assert.deepEqual(
      { c: h.committedMB, u: h.usedMB, s: h.slackMB, n: h.newSpaceMB, code: h.codeMB, e: h.externalMB },
      { c: 10, u: 6, s: 4, n: 2, code: 2, e: 2 },
    );
    assert.deepEqual(
      cpuByRole(
        [
          { tid: 42, pct: 3 },
          { tid: 7, pct: 1 },
          { tid: 8, pct: 0.5 },
        ],
        [h],
      ),
      { shard: 3, helpers: 1.5 },
    );
  });
});
