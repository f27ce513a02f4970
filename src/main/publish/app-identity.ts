/**
 * Asks an app who it is (`GET <app>/api`, docs/spec/app-protocol.md#app-identity) before anything
 * is published to it: two URLs answering the same `id` are one app, and the `id` is the `AppID`
 * a control request carries to plugins.
 */
import { request } from 'undici';
import { ErrorCode, HostError } from '../../shared/errors.js';
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
  try {
    const response = await request(`${target.origin}${target.apiPath}`, {
      method: 'GET',
      headers,
      signal: closing !== undefined ? AbortSignal.any([AbortSignal.timeout(timeoutMs), closing]) : AbortSignal.timeout(timeoutMs),
    });
    status = response.statusCode;
    text = await response.body.text();
  } catch (err) {
    const code = (err as { name?: unknown }).name === 'TimeoutError' ? ErrorCode.APP_TIMEOUT : ErrorCode.APP_UNREACHABLE;
    throw new HostError(code, `GET ${target.display}/api: ${(err as Error).message}`, { cause: err });
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
