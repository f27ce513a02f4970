/** rewriteControls: docs/spec/plugin-protocol.md#control-ids, uc-18, uc-19, uc-39, uc-40. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  ACTIVE_CONTROLS,
  decodeReport,
  encodeReport,
  mergeReports,
  parseTimestamp,
  rewriteControls,
  type Report,
} from '../../../../src/shared/report/index.js';

const NOW = parseTimestamp('2030-01-01T00:00:00.123456789Z');
const control = (id: string) => ({ id, human: id.toUpperCase(), icon: 'fa-x', rank: 3, confirmation: 'sure?' });

/** The upstream test's shape: a topology with controls {ctrl1} and node1 active [ctrl1, ctrl2]. */
function pluginReport(topology: string, pluginId: string): Report {
  return decodeReport(
    JSON.stringify({
      [topology]: {
        controls: { ctrl1: control('ctrl1') },
        nodes: { node1: { latest: { active_controls: { timestamp: '2020-01-01T00:00:00Z', value: 'ctrl2;ctrl1' } } }, node2: {} },
      },
      Plugins: [{ id: pluginId, label: pluginId, interfaces: ['reporter'], api_version: '1' }],
    }),
  );
}

describe('rewriteControls', () => {
  it('uc-18: rewrites a controller plugin’s topology controls and node members, not a reporter’s', () => {
    const controller = rewriteControls(pluginReport('Pod', 'testPlugin'), 'testPlugin', NOW);
    const reporterOnly = pluginReport('Host', 'testPluginReporterOnly'); // not rewritten by the host
    const merged = mergeReports(controller.report, reporterOnly);

    assert.deepEqual([...merged.Pod.controls.keys()], ['testPlugin~ctrl1']);
    assert.deepEqual(merged.Pod.controls.get('testPlugin~ctrl1'), { ...control('ctrl1'), id: 'testPlugin~ctrl1', probeId: '' });
    assert.deepEqual(merged.Pod.nodes.get('node1')!.latest.get(ACTIVE_CONTROLS), { timestamp: NOW, value: 'ctrl2;testPlugin~ctrl1' });
    assert.deepEqual([...merged.Host.controls.keys()], ['ctrl1']);
    assert.equal(merged.Host.nodes.get('node1')!.latest.get(ACTIVE_CONTROLS)!.value, 'ctrl1;ctrl2');
    assert.deepEqual(controller.controlIds, ['testPlugin~ctrl1']);
  });

  it('uc-19: controlIds are the topology controls only (node-only IDs get no handler)', () => {
    const second = decodeReport(
      JSON.stringify({
        Pod: { controls: { ctrl2: control('ctrl2'), ctrl1: control('ctrl1') }, nodes: { node2: { latest: { active_controls: { value: 'ctrl1' } } } } },
        Host: { controls: { ctrl1: control('ctrl1') } },
      }),
    );
    assert.deepEqual(rewriteControls(pluginReport('Pod', 'testPlugin'), 'testPlugin', NOW).controlIds, ['testPlugin~ctrl1']);
    assert.deepEqual(rewriteControls(second, 'testPlugin2', NOW).controlIds, ['testPlugin2~ctrl1', 'testPlugin2~ctrl2']);
  });

  it('uc-40: legacy latestControls, one dead, one live → only the live one, rewritten', () => {
    const iowait = decodeReport(readFileSync(new URL('../../../fixtures/upstream/iowait-plugin-report-head.json', import.meta.url), 'utf8'));
    const { report, controlIds } = rewriteControls(iowait, 'iowait', NOW);
    assert.deepEqual(report.Host.nodes.get('vm;<host>')!.latest.get(ACTIVE_CONTROLS), { timestamp: NOW, value: 'iowait~switchToIOWait' });
    assert.deepEqual(controlIds, ['iowait~switchToIOWait', 'iowait~switchToIdle']);
    assert.equal(report.Host.controls.get('iowait~switchToIdle')!.id, 'iowait~switchToIdle');
  });

  it('leaves nodes without active_controls alone and never mutates its input', () => {
    const input = pluginReport('Container', 'tc');
    const before = encodeReport(input);
    const { report } = rewriteControls(input, 'tc', NOW);
    assert.equal(report.Container.nodes.get('node2')!.latest.has(ACTIVE_CONTROLS), false);
    assert.equal(encodeReport(input), before);
    assert.notEqual(encodeReport(report), before);
    // a report without controls comes back with the same topologies
    const plain = decodeReport('{"Host":{"nodes":{"h;<host>":{}}}}');
    const out = rewriteControls(plain, 'x', NOW);
    assert.equal(out.report.Host, plain.Host);
    assert.deepEqual(out.controlIds, []);
  });

  it('uc-39: a shortcut report’s control is published rewritten with a handler', () => {
    const shortcut = decodeReport(
      JSON.stringify({
        Host: { controls: { ctrlB: control('ctrlB') }, nodes: { n: { latest: { active_controls: { value: 'ctrlB' } } } } },
        Plugins: [{ id: 'testPlugin', label: 'testPlugin' }],
      }),
    );
    const { report, controlIds } = rewriteControls(shortcut, 'testPlugin', NOW);
    assert.deepEqual(controlIds, ['testPlugin~ctrlB']);
    assert.match(encodeReport(report), /"active_controls":\{"timestamp":"2030-01-01T00:00:00.123456789Z","value":"testPlugin~ctrlB"\}/);
  });
});
