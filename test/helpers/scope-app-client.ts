/** Reading a real Scope app the way its UI does, for tests of controls and node details. */
import type { ScopeApp } from './scope-binary.js';

export interface UiControl {
  probeId: string;
  nodeId: string;
  id: string;
  human: string;
}

export async function appJson<T>(app: ScopeApp, path: string): Promise<{ status: number; body: T }> {
  const res = await fetch(app.url + path);
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* a plain-text answer */
  }
  return { status: res.status, body: body as T };
}

/** The app's id (`GET /api`, new at every start). */
export async function appId(app: ScopeApp): Promise<string> {
  return (await appJson<{ id: string }>(app, '/api')).body.id;
}

/** The controls the app offers the UI on a host node, or undefined when the app does not know the node. */
export async function hostControls(app: ScopeApp, node: string): Promise<UiControl[] | undefined> {
  const r = await appJson<{ node: { controls: UiControl[] } }>(app, `/api/topology/hosts/${encodeURIComponent(node)}`);
  return r.status === 200 ? r.body.node.controls : undefined;
}

/** A click exactly as the UI sends it: probe and node URI-encoded, the control ID as is, args as a JSON body. */
export async function uiClick(app: ScopeApp, probe: string, node: string, control: string, args?: Record<string, string>) {
  const res = await fetch(`${app.url}/api/control/${encodeURIComponent(probe)}/${encodeURIComponent(node)}/${control}`, {
    method: 'POST',
    ...(args !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(args) } : {}),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* a plain-text answer */
  }
  return { status: res.status, body: body as Record<string, unknown> | string };
}
