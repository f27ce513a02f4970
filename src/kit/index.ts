/**
 * The plugin kit: write a Weave Scope probe plugin in TypeScript.
 *
 * ```ts
 * import { servePlugin, hostNodeId, metric, timestamp } from 'scope-plugin-kit';
 * const server = await servePlugin({
 *   id: 'hello', spec: { label: 'Hello' },
 *   report: () => ({ Host: { nodes: { [hostNodeId(os.hostname())]: {
 *     metrics: { hello: metric([{ date: timestamp(), value: 42 }]) } } } } }),
 * });
 * ```
 * See docs/writing-plugins.md for the protocol, socket placement and status strings.
 */
export { parseControlRequest } from './control-request.js';
export { servePlugin } from './plugin-server.js';
export { DEFAULT_PLUGIN_ROOT, defaultSocketPath, isValidPluginId, pluginIdOfSocket } from './socket-place.js';
export { activeControls, containerNodeId, hostNodeId, latest, metric, timestamp } from './report-helpers.js';
export type { LatestEntry, Metric, MetricSample } from './report-helpers.js';
export type {
  ControlRequest,
  ControlResponse,
  PluginInterface,
  PluginServer,
  PluginSpecInput,
  PluginSpecWire,
  RequestContext,
  RequestEvent,
  ServePluginOptions,
} from './types.js';
