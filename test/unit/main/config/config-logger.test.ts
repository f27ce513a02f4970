import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { createLogger } from '../../../../src/main/logger.js';
import { collect, type CliOutcome } from '../../../helpers/cli.js';

const ROOT = fileURLToPath(new URL('../../../..', import.meta.url));
const FIXTURE = fileURLToPath(new URL('../../../fixtures/config-logger.ts', import.meta.url));

function capture(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let text = '';
  stream.setEncoding('utf8').on('data', (d: string) => (text += d));
  return { stream, text: () => text };
}

function runFixture(mode: string, count: number): Promise<CliOutcome> {
  return collect(spawn(process.execPath, ['--import', 'tsx', FIXTURE, mode, String(count)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] }), 20_000);
}

test('logger: JSON lines carry name, pid and hostname and respect the level', () => {
  const out = capture();
  const logger = createLogger({ level: 'info', pretty: false, destination: out.stream });
  logger.debug('hidden');
  logger.child({ component: 'supervisor' }).info({ pluginId: 'p1' }, 'plugin added');
  const lines = out.text().trim().split('\n');
  assert.equal(lines.length, 1, out.text());
  const record = JSON.parse(lines[0]!) as Record<string, unknown>;
  assert.equal(record.name, 'scope-plugin-host');
  assert.equal(record.pid, process.pid);
  assert.equal(typeof record.hostname, 'string');
  assert.equal(record.component, 'supervisor');
  assert.equal(record.pluginId, 'p1');
  assert.equal(record.msg, 'plugin added');
  assert.equal(record.level, 30);
});

test('logger: pretty output is human text with the name and without pid/hostname', () => {
  const out = capture();
  const logger = createLogger({ level: 'debug', pretty: true, destination: out.stream });
  logger.debug({ pluginId: 'p1' }, 'polled');
  const text = out.text();
  assert.match(text, /DEBUG \(scope-plugin-host\): polled/);
  assert.match(text, /pluginId: "p1"/);
  assert.doesNotMatch(text, new RegExp(`\\b${process.pid}\\b`));
  assert.doesNotMatch(text, /hostname/);
  assert.throws(() => JSON.parse(text.trim()));
});

test('logger: level silent logs nothing; an unknown level is refused', () => {
  const out = capture();
  createLogger({ level: 'silent', pretty: false, destination: out.stream }).fatal('nope');
  assert.equal(out.text(), '');
  assert.throws(() => createLogger({ level: 'loud', pretty: false, destination: capture().stream }), /loud/);
});

test('logger: process.exit right after logging loses nothing, through the pretty transport thread', async () => {
  const { code, stdout, stderr } = await runFixture('pretty', 2000);
  assert.equal(code, 0, stderr);
  assert.match(stdout, /INFO \(scope-plugin-host\): first/);
  assert.equal(stdout.match(/DEBUG \(scope-plugin-host\): line/g)?.length, 2000);
  assert.match(stdout, /WARN \(scope-plugin-host\): last\n/);
  // The record was made on the main thread (pino-pretty runs in a transport worker thread).
  assert.match(stdout, /threadId: 0/);
});

test('logger: without a TTY the default is synchronous JSON lines, also complete at exit', async () => {
  const { code, stdout, stderr } = await runFixture('default', 2000);
  assert.equal(code, 0, stderr);
  const records = stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { msg: string; name: string });
  assert.equal(records.length, 2002);
  assert.equal(records[0]!.msg, 'first');
  assert.equal(records.at(-1)!.msg, 'last');
  assert.ok(records.every((r) => r.name === 'scope-plugin-host'));
});
