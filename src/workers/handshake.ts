/**
 * The seed-era `GET /` handshake (docs/spec/plugin-protocol.md#handshake-era), interpreted.
 *
 * Plugins written for the March 2016 protocol answer `GET /` with `{name, description, interfaces,
 * api_version}` and may send reports without a `Plugins` section; current-era plugins answer 404
 * (or, like scope-volume-count, their report on every path). We ask once and decide the era from
 * the answer: a JSON object with a string `name` is a handshake, anything else that the plugin
 * answered cleanly means "current era". Only answers that say nothing about the era (transport
 * failures, timeouts, 5xx) and handshakes that fail validation are retried, with backoff, by the
 * actor.
 */
import { ErrorCode, errorData, statusOf, type ErrorData } from '../shared/errors.js';
import type { PluginSpec } from '../shared/report/index.js';
import { statusError } from './http-status.js';
import type { HttpResult } from './plugin-client.js';

export type HandshakeOutcome =
  /** A handshake-era plugin; `spec` = {id: socket id, label: name, description, interfaces, api_version}. */
  | { kind: 'handshake'; spec: PluginSpec }
  /** 404, or any 2xx/3xx/4xx answer that is not a handshake object: a current-era plugin. */
  | { kind: 'report-era' }
  /** Retry later with backoff. `spec` (with its error status) when the answer was a handshake object. */
  | { kind: 'failed'; error: ErrorData; spec?: PluginSpec };

export interface HandshakeContext {
  /** Socket-derived plugin id; a handshake-era plugin is listed under it, labelled with its name. */
  pluginId: string;
  apiVersion: string;
}

export function interpretHandshake(result: HttpResult, ctx: HandshakeContext): HandshakeOutcome {
  if (!result.answered) return { kind: 'failed', error: result.error };
  if (result.statusCode >= 500) {
    // A crashing plugin tells us nothing about its era: ask again later.
    return { kind: 'failed', error: statusError(result.statusCode, result.statusText) };
  }
  if (result.statusCode !== 200) return { kind: 'report-era' };

  const answer = parseObject(result.body);
  if (answer === null || typeof answer['name'] !== 'string') return { kind: 'report-era' };

  const name = answer['name'];
  const fields = readFields(answer);
  const spec: PluginSpec = {
    id: ctx.pluginId,
    label: name,
    ...(fields.description ? { description: fields.description } : {}),
    interfaces: fields.interfaces,
    ...(fields.apiVersion ? { api_version: fields.apiVersion } : {}),
  };
  const error = fields.error ?? validate(name, fields, ctx);
  if (error !== null) return { kind: 'failed', error, spec: { ...spec, status: statusOf(error) } };
  return { kind: 'handshake', spec };
}

interface HandshakeFields {
  description: string;
  interfaces: string[] | null;
  apiVersion: string;
  /** A field of the wrong JSON type (upstream's decoder would have refused the whole answer). */
  error: ErrorData | null;
}

function readFields(answer: Record<string, unknown>): HandshakeFields {
  const out: HandshakeFields = { description: '', interfaces: null, apiVersion: '', error: null };
  const wrongType = (field: string, want: string): ErrorData => errorData(ErrorCode.DECODE, `decoding error: handshake field "${field}" must be ${want}`);

  const description = answer['description'];
  if (typeof description === 'string') out.description = description;
  else if (description !== undefined && description !== null) out.error ??= wrongType('description', 'a string');

  const interfaces = answer['interfaces'];
  if (Array.isArray(interfaces) && interfaces.every((i) => typeof i === 'string')) out.interfaces = interfaces;
  else if (interfaces !== undefined && interfaces !== null) out.error ??= wrongType('interfaces', 'a list of strings');

  const apiVersion = answer['api_version'];
  if (typeof apiVersion === 'string') out.apiVersion = apiVersion;
  else if (apiVersion !== undefined && apiVersion !== null) out.error ??= wrongType('api_version', 'a string');
  return out;
}

/** Seed-era checks, in upstream's order: a name, the exact API version (absent = ""), "reporter". */
function validate(name: string, fields: HandshakeFields, ctx: HandshakeContext): ErrorData | null {
  if (name === '') return errorData(ErrorCode.HANDSHAKE, 'handshake must contain a name');
  if (fields.apiVersion !== ctx.apiVersion) {
    return errorData(ErrorCode.API_VERSION, `incorrect API version: expected ${JSON.stringify(ctx.apiVersion)}, got ${JSON.stringify(fields.apiVersion)}`);
  }
  if (!(fields.interfaces ?? []).includes('reporter')) {
    return errorData(ErrorCode.NOT_REPORTER, 'spec must implement the "reporter" interface');
  }
  return null;
}

function parseObject(body: Buffer): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
