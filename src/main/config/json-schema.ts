/**
 * The JSON Schema shipped for editors (`schema/config.schema.json`) and the flat key list used by
 * `--help` and the docs test. Both are derived from `ConfigFileSchema`, never written by hand.
 */
import { ConfigFileSchema } from './schema.js';

/** The schema as plain JSON (TypeBox's symbol keys disappear in the round trip). */
export function configJsonSchema(): Record<string, unknown> {
  const body = JSON.parse(JSON.stringify(ConfigFileSchema)) as Record<string, unknown>;
  return { $schema: 'http://json-schema.org/draft-07/schema#', ...body };
}

/** Exactly the text of `schema/config.schema.json`. */
export function configJsonSchemaText(): string {
  return `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
}

export interface ConfigKeyInfo {
  /** Dotted key, e.g. `handshake.retryMaxMs`. */
  key: string;
  /** Short type, e.g. `integer >= 1`, `string[]`, `"trace" | "debug" | ...`. */
  type: string;
  /** The default as JSON, or a description of a computed default. */
  default: string;
  description: string;
}

/** Every settable key (objects flattened, `$schema` left out), in schema order. */
export function configKeys(): ConfigKeyInfo[] {
  const out: ConfigKeyInfo[] = [];
  const walk = (schema: Schema, prefix: string): void => {
    for (const [name, child] of Object.entries(schema.properties ?? {})) {
      if (name === '$schema') continue;
      const key = prefix === '' ? name : `${prefix}.${name}`;
      if (child.type === 'object') walk(child, key);
      else out.push({ key, type: typeOf(child), default: defaultOf(key, child), description: child.description ?? '' });
    }
  };
  walk(configJsonSchema() as Schema, '');
  return out;
}

interface Schema {
  type?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  anyOf?: Schema[];
  const?: unknown;
  default?: unknown;
  description?: string;
  minimum?: number;
  maximum?: number;
}

function typeOf(s: Schema): string {
  if (s.anyOf !== undefined) return s.anyOf.map((a) => JSON.stringify(a.const)).join(' | ');
  if (s.type === 'integer') {
    if (s.minimum !== undefined && s.maximum !== undefined) return `integer ${s.minimum}-${s.maximum}`;
    return s.minimum !== undefined ? `integer >= ${s.minimum}` : 'integer';
  }
  if (s.type === 'array') return `${s.items?.type ?? 'any'}[]`;
  return s.type ?? 'any';
}

function defaultOf(key: string, s: Schema): string {
  if (s.default !== undefined) return JSON.stringify(s.default);
  if (key === 'probeId') return 'random, 16 hex digits';
  if (key === 'workers') return 'available parallelism';
  return 'unset';
}
