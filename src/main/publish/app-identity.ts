/**
 * Asks an app who it is (`GET <app>/api`, docs/spec/app-protocol.md#app-identity) before anything
 * is published to it: two URLs answering the same `id` are one app, and the `id` is the `AppID`
 * a control request carries to plugins.
 */
import { ErrorCode, HostError } from '../../shared/errors.js';
import { appRequest, readText } from './app-http.js';
import type { AppTarget } from './app-url.js';

export interface AppIdentity {
  readonly id: string;
  readonly version: string;
  readonly hostname: string;
}

export async function fetchAppIdentity(
  target: AppTarget,
  headers: Readonly<Record<string, string>>,
  timeoutMs: number,
  closing?: AbortSignal,
): Promise<AppIdentity> {
  let status: number;
  let text: string;
  const deadline = AbortSignal.timeout(timeoutMs);
  try {
    const response = await appRequest(`${target.origin}${target.apiPath}`, {
      method: 'GET',
      headers,
      signal: closing !== undefined ? AbortSignal.any([deadline, closing]) : deadline,
    });
    status = response.statusCode ?? 0;
    text = await readText(response);
  } catch (err) {
    if (deadline.aborted) throw new HostError(ErrorCode.APP_TIMEOUT, `GET ${target.display}/api: no answer within ${timeoutMs} ms`, { cause: err });
    throw new HostError(ErrorCode.APP_UNREACHABLE, `GET ${target.display}/api: ${(err as Error).message}`, { cause: err });
  }
  if (status !== 200) {
    throw new HostError(ErrorCode.APP_HTTP_STATUS, `GET ${target.display}/api answered HTTP ${status}: ${text.slice(0, 200).trim()}`);
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new HostError(ErrorCode.APP_HTTP_STATUS, `GET ${target.display}/api did not answer JSON`);
  }
  const o = (body ?? {}) as Record<string, unknown>;
  if (typeof o['id'] !== 'string' || o['id'] === '') {
    throw new HostError(ErrorCode.APP_HTTP_STATUS, `GET ${target.display}/api answered no "id"`);
  }
  return {
    id: o['id'],
    version: typeof o['version'] === 'string' ? o['version'] : '',
    hostname: typeof o['hostname'] === 'string' ? o['hostname'] : '',
  };
}
