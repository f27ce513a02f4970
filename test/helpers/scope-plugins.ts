/**
 * A controller plugin for tests against a real Scope app: one Host node with a metric named after
 * the plugin's `tag`, a `<tag>_clicks` latest entry counting clicks, controls `toA`/`toB` (each
 * shows the other one afterwards and answers with a shortcut report) and `fail` (answers an
 * error), and every click it saw.
 */
import { activeControls, hostNodeId, metric, servePlugin, timestamp, type ControlRequest, type PluginServer } from '../../src/kit/index.js';

export interface AppTestPlugin extends PluginServer {
  readonly clicks: ControlRequest[];
  /** The node's active toggle control: `toA` or `toB`. */
  readonly showing: () => 'toA' | 'toB';
}

const CONTROLS = {
  toA: { id: 'toA', human: 'To A', icon: 'fa-a', rank: 1 },
  toB: { id: 'toB', human: 'To B', icon: 'fa-b', rank: 2 },
  fail: { id: 'fail', human: 'Fail', icon: 'fa-x', rank: 3 },
};

export async function appTestPlugin(options: { root: string; id: string; hostname: string; tag: string; delayMs?: number }): Promise<AppTestPlugin> {
  const clicks: ControlRequest[] = [];
  let showing: 'toA' | 'toB' = 'toB';
  const report = () => {
    const ts = timestamp();
    return {
      Host: {
        nodes: {
          [hostNodeId(options.hostname)]: {
            metrics: { [options.tag]: metric([{ date: ts, value: 42 }], { min: 0, max: 100 }) },
            latest: { active_controls: activeControls([showing, 'fail'], ts), [`${options.tag}_clicks`]: { timestamp: ts, value: String(clicks.length) } },
          },
        },
        metric_templates: { [options.tag]: { id: options.tag, label: options.tag, format: 'percent', priority: 0.1 } },
        controls: CONTROLS,
      },
    };
  };
  const server = await servePlugin({
    id: options.id,
    root: options.root,
    spec: { label: options.id },
    report,
    control: async (req) => {
      clicks.push(req);
      if (options.delayMs) await new Promise((r) => setTimeout(r, options.delayMs));
      if (req.Control === 'fail') return { error: `${options.tag} refuses` };
      showing = req.Control === 'toA' ? 'toB' : 'toA';
      return { value: { tag: options.tag, appId: req.AppID, node: req.NodeID, control: req.Control, args: req.ControlArgs }, shortcutReport: report() };
    },
  });
  return Object.assign(server, { clicks, showing: () => showing });
}
