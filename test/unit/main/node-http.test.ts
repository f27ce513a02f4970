/**
 * The main thread's modules load no more of Node than they use (src/main/node-http.ts): in a fresh
 * node process, importing the service (API server, publishing, the app's control socket) does not
 * load Node's bundled undici or http2. On Node 22 and 24 an ES-module import of node:http did.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const SERVICE = fileURLToPath(new URL('../../../src/main/service.ts', import.meta.url));

const PROBE = `
const before = new Set(process.moduleLoadList);
await import(process.argv[1]);
const added = process.moduleLoadList.filter((m) => !before.has(m));
console.log(JSON.stringify({ http: added.includes('NativeModule http'), unwanted: added.filter((m) => /undici|http2/.test(m)) }));
`;

test("the service's modules do not load Node's bundled undici or http2", () => {
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', PROBE, SERVICE], { encoding: 'utf8' });
  const { http, unwanted } = JSON.parse(out.trim().split('\n').pop()!) as { http: boolean; unwanted: string[] };
  assert.ok(http, 'the service loaded node:http after the probe started');
  assert.deepEqual(unwanted, []);
});
