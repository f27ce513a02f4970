import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { configJsonSchema, configJsonSchemaText, configKeys } from '../../../../src/main/config/json-schema.js';
import { ConfigFileSchema, DEFAULTS } from '../../../../src/main/config/schema.js';
import { SCHEMA_FILE } from '../../../../scripts/write-schema.js';
import { loadConfig } from '../../../../src/main/config-loader.js';
import { tempDir } from '../../../helpers/tmp.js';

test('schema: the committed schema/config.schema.json equals what scripts/write-schema.ts writes', async () => {
  const committed = await readFile(SCHEMA_FILE, 'utf8');
  assert.equal(committed, configJsonSchemaText(), 'run `npx tsx scripts/write-schema.ts` and commit the result');
});

test('schema: every object forbids unknown keys, every leaf is described', () => {
  const visit = (node: Record<string, unknown>, where: string): void => {
    if (node.type === 'object') {
      assert.equal(node.additionalProperties, false, `${where} allows unknown keys`);
      for (const [k, child] of Object.entries(node.properties as Record<string, Record<string, unknown>>)) {
        assert.equal(typeof child.description, 'string', `${where}.${k} has no description`);
        visit(child, `${where}.${k}`);
      }
    }
  };
  visit(configJsonSchema(), '(root)');
});

test('schema: each default in the JSON Schema is DEFAULTS and passes its own schema', () => {
  const byKey = new Map(configKeys().map((k) => [k.key, k.default]));
  assert.equal(byKey.get('pollIntervalMs'), String(DEFAULTS.pollIntervalMs));
  assert.equal(byKey.get('listen'), '"127.0.0.1:4041"');
  assert.equal(byKey.get('publish.apps'), '[]');
  assert.equal(byKey.get('handshake.retryMaxMs'), '15000');
  // A file spelling out every default is itself valid.
  const file: Record<string, unknown> = {};
  for (const { key, default: text } of configKeys()) {
    if (!text.startsWith('"') && !/^[\d[tf]/.test(text)) continue; // computed defaults (probeId, workers, token)
    const path = key.split('.');
    let at = file;
    for (const p of path.slice(0, -1)) at = (at[p] ??= {}) as Record<string, unknown>;
    at[path.at(-1)!] = JSON.parse(text);
  }
  assert.ok(Value.Check(ConfigFileSchema, file), JSON.stringify([...Value.Errors(ConfigFileSchema, file)].slice(0, 1)));
  assert.equal(Object.keys(file).length, 18, 'every top-level key with a fixed default');
});

test('docs: docs/configuration.md has a table row for every key, with its default', async () => {
  const doc = await readFile(new URL('../../../../docs/configuration.md', import.meta.url), 'utf8');
  for (const { key, default: def } of configKeys()) {
    const row = doc.split('\n').find((line) => line.startsWith(`| \`${key}\` |`));
    assert.ok(row !== undefined, `docs/configuration.md has no row for ${key}`);
    assert.ok(row.includes(def.startsWith('"') || /^[\d[tf]/.test(def) ? `\`${def}\`` : def), `row for ${key} shows default ${def}: ${row}`);
  }
  for (const flag of ['--config', '--plugins-root', '--listen', '--probe-id', '--log-level', '--app', '--help', '--version']) {
    assert.ok(doc.includes(`\`${flag}`), `docs mention ${flag}`);
  }
});

test('docs: the example config file in docs/configuration.md loads', async () => {
  const doc = await readFile(new URL('../../../../docs/configuration.md', import.meta.url), 'utf8');
  const example = /```json\n([\s\S]*?)```/.exec(doc)?.[1];
  assert.ok(example !== undefined, 'docs/configuration.md has a ```json example');
  const dir = await tempDir('sph-doc-');
  try {
    const path = join(dir.path, 'example.json');
    await writeFile(path, example);
    const result = await loadConfig(['--config', path], { availableParallelism: 2, randomProbeId: () => '1' });
    assert.equal(result.kind, 'run');
    if (result.kind === 'run') assert.deepEqual(result.config.publish.apps, ['http://127.0.0.1:4040']);
  } finally {
    await dir.cleanup();
  }
});
