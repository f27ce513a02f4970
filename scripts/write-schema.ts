/**
 * Writes schema/config.schema.json from the TypeBox definition in src/main/config/schema.ts.
 * Run after changing the schema: `npx tsx scripts/write-schema.ts`. test/unit/main/config/config-schema.test.ts
 * fails when the committed file differs from what this would write.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { configJsonSchemaText } from '../src/main/config/json-schema.js';

export const SCHEMA_FILE = fileURLToPath(new URL('../schema/config.schema.json', import.meta.url));

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(SCHEMA_FILE, configJsonSchemaText());
  console.log(`wrote ${SCHEMA_FILE}`);
}
