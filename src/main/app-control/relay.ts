/**
 * Hands a click that reached us but belongs to the real probe of the node back to that probe,
 * through the same app (docs/spec/app-protocol.md#the-apps-control-listing-bug).
 *
 * The app lists a node's controls in `active_controls` order, which its merge shuffles, and a
 * control's own `probeId` also applies to every control listed after it on that node. So beside a
 * real probe the probe's own controls (`host_exec`) are sometimes offered under our probe ID; a
 * click on one arrives here. We find the host node's owner in the app's `GET /api/probes` and post
 * the click to `POST /api/control/<owner>/<node>/<control>`, whose answer is the owner's answer.
 */
import { appRequest, discard, readText } from '../publish/app-http.js';
import type { ResolvedApp } from '../publish/publisher.js';
import type { ControlAnswer } from './control-connection.js';
import type { ControlBody } from '../../shared/control-body.js';

const HOST_SUFFIX = ';<host>';

export async function relayToOwner(app: ResolvedApp, click: ControlBody, ourProbeId: string, timeoutMs: number): Promise<ControlAnswer> {
  const notOurs = { error: `Control "${click.Control}" not recognised` };
  if (!click.NodeID.endsWith(HOST_SUFFIX)) return notOurs;
  const hostname = click.NodeID.slice(0, -HOST_SUFFIX.length);
  const base = `${app.target.origin}${app.target.apiPath}`;
  const signal = AbortSignal.timeout(timeoutMs);
  const probes = await appRequest(`${base}/probes`, { method: 'GET', headers: app.headers, signal });
  if (probes.statusCode !== 200) {
    await discard(probes);
    return notOurs;
  }
  const list = JSON.parse(await readText(probes)) as Array<{ id?: unknown; hostname?: unknown }>;
  const owner = list.find((p) => p.hostname === hostname && typeof p.id === 'string' && p.id !== '' && p.id !== ourProbeId);
  if (owner === undefined) return notOurs;
  const hasArgs = click.ControlArgs !== null && Object.keys(click.ControlArgs).length > 0;
  // The app takes probe and node URI-encoded and the control ID as is, as its UI sends them.
  const answer = await appRequest(`${base}/control/${encodeURIComponent(String(owner.id))}/${encodeURIComponent(click.NodeID)}/${click.Control}`, {
    method: 'POST',
    headers: { ...app.headers, ...(hasArgs ? { 'content-type': 'application/json' } : {}) },
    ...(hasArgs ? { body: JSON.stringify(click.ControlArgs) } : {}),
    signal,
  });
  const text = await readText(answer);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  if (answer.statusCode === 200 && body !== null && typeof body === 'object') return body as ControlAnswer;
  return { error: typeof body === 'string' ? body : `the owner of ${click.NodeID} answered HTTP ${answer.statusCode}` };
}
