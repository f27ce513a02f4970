/**
 * The packages as a user gets them: the host and the kit are packed from a clean copy of the
 * repository (what git tracks, plus files not yet committed; `prepack` builds), installed into a
 * temp prefix from the local npm cache, and run from there: `--help`, then the installed host
 * polling a plugin written against the installed kit, listed on /api/plugins, stopped by SIGTERM.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFile, mkdir, readFile, readdir, symlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { collect, runCommand, type CliOutcome } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';
import { isValidPluginId as kitValid, pluginIdOfSocket } from '../../src/kit/index.js';
import { isValidPluginId as hostValid, pluginIdFromPath } from '../../src/main/discovery/plugin-id.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const KIT_DIR = 'packages/scope-plugin-kit';
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** npm's own variables from a surrounding `npm test` would point the inner npm at this repo. */
function npmEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k)) env[k] = v;
  return env;
}

function npm(args: string[], cwd: string, timeoutMs = 60_000): Promise<CliOutcome> {
  return collect(spawn(NPM, args, { cwd, env: npmEnv(), stdio: ['ignore', 'pipe', 'pipe'] }), timeoutMs);
}

/** What a clean clone has: tracked files and new files not ignored, as they are in the work tree. */
async function cleanCopy(to: string): Promise<void> {
  const listed = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' });
  if (listed.status !== 0) throw new Error(`git ls-files failed: ${listed.stderr}`);
  for (const file of listed.stdout.split('\0')) {
    if (file === '' || !existsSync(join(ROOT, file))) continue; // deleted in the work tree
    await mkdir(dirname(join(to, file)), { recursive: true });
    await copyFile(join(ROOT, file), join(to, file));
  }
  // The build needs the compiler and the types; npm ci would install the same.
  await symlink(join(ROOT, 'node_modules'), join(to, 'node_modules'), 'dir');
}

interface Packed {
  filename: string;
  files: { path: string }[];
}

async function pack(dir: string, dest: string): Promise<Packed> {
  const out = await npm(['pack', '--json', '--pack-destination', dest], dir);
  assert.equal(out.code, 0, `npm pack in ${dir}: ${out.stderr}`);
  // prepack's build output comes before the JSON on stdout.
  const [info] = JSON.parse(out.stdout.slice(out.stdout.indexOf('\n[') + 1)) as Packed[];
  return info!;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const PLUGIN = `
import { hostNodeId, metric, servePlugin, timestamp } from 'scope-plugin-kit';
import * as hostKit from 'scope-plugin-host/kit';
import { VERSION, startService } from 'scope-plugin-host';
import { existsSync } from 'node:fs';
if (hostKit.servePlugin === undefined || typeof startService !== 'function' || VERSION === '') process.exit(3);
if (!existsSync(new URL(import.meta.resolve('scope-plugin-host/config.schema.json')))) process.exit(4);
const server = await servePlugin({
  id: 'packed',
  root: process.argv[2],
  spec: { label: 'Packed', description: 'from the installed kit' },
  report: () => ({ Host: { nodes: { [hostNodeId('h')]: { metrics: { load: metric([{ date: timestamp(), value: 1 }]) } } } } }),
});
process.stdout.write(server.socketPath + '\\n');
process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
`;

/** Compiles against the installed packages' declarations, as a plugin author's editor would. */
const TYPED = `
import { servePlugin, type PluginServer } from 'scope-plugin-kit';
import { servePlugin as fromHost } from 'scope-plugin-host/kit';
import { startService, type HostConfig } from 'scope-plugin-host';
export const a: typeof servePlugin = fromHost;
export type B = [PluginServer, HostConfig, typeof startService];
`;

test('package: the kit imports nothing but node: builtins, its own files and self-contained shared files', async () => {
  const importsOf = async (file: string) =>
    Array.from((await readFile(file, 'utf8')).matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+'([^']+)'/gm), (m) => m[1]!);
  const dir = join(ROOT, 'src/kit');
  for (const name of await readdir(dir)) {
    for (const spec of await importsOf(join(dir, name))) {
      const shared = /^\.\.\/shared\/([a-z-]+)\.js$/.exec(spec);
      if (shared) {
        // The kit package compiles these along (packages/scope-plugin-kit/tsconfig.json), so they must need nothing else.
        for (const inner of await importsOf(join(ROOT, 'src/shared', `${shared[1]}.ts`))) {
          assert.ok(inner.startsWith('node:'), `src/shared/${shared[1]}.ts (used by the kit) imports ${inner}`);
        }
        continue;
      }
      assert.ok(spec.startsWith('node:') || /^\.\/[a-z-]+\.js$/.test(spec), `src/kit/${name} imports ${spec}`);
    }
  }
  // Hence the kit has its own copy of the host's plugin-ID rules; the two must agree.
  for (const path of ['/r/a.sock', '/r/a-b.sock', '/r/a_b.sock', '/r/a.b.sock', '/r/.x.sock', '/r/x', '/r/a--b.sock', '/r/-a.sock', '/r/ü.sock']) {
    assert.equal(pluginIdOfSocket(path), pluginIdFromPath(path), path);
    assert.equal(kitValid(pluginIdOfSocket(path)), hostValid(pluginIdFromPath(path)), path);
  }
});

test('package: packed from a clean copy, installed into a prefix, the command runs a real plugin', { timeout: 120_000 }, async (t) => {
  if (spawnSync('git', ['--version']).status !== 0) return t.skip('git is not installed: cannot make a clean copy');
  const tmp = await tempDir('sph-pack-');
  const children: ReturnType<typeof spawn>[] = [];
  try {
    const copy = join(tmp.path, 'clone');
    await cleanCopy(copy);

    const host = await pack(copy, tmp.path);
    const hostFiles = host.files.map((f) => f.path);
    for (const file of [
      'LICENSE',
      'README.md',
      'package.json',
      'dist/main/cli.js',
      'dist/main/index.js',
      'dist/main/index.d.ts',
      'dist/kit/index.js',
      'dist/kit/index.d.ts',
      'schema/config.schema.json',
    ]) {
      assert.ok(hostFiles.includes(file), `host package lacks ${file}`);
    }
    const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
    const linked = [...readme.matchAll(/\]\((docs\/[^)#\s]+)/g)].map((m) => m[1]!);
    assert.ok(linked.length >= 3, 'README links docs');
    for (const doc of linked) assert.ok(hostFiles.includes(doc), `host package lacks ${doc}, which the README links`);
    assert.deepEqual(
      hostFiles.filter((f) => /^(src|test|bench)\/|\.map$/.test(f)),
      [],
      'sources, tests and maps stay out',
    );

    const kit = await pack(join(copy, KIT_DIR), tmp.path);
    const kitFiles = kit.files.map((f) => f.path).sort();
    assert.ok(kitFiles.includes('dist/kit/index.js') && kitFiles.includes('dist/kit/index.d.ts') && kitFiles.includes('LICENSE'), kitFiles.join(' '));
    assert.deepEqual(
      kitFiles.filter((f) => !/^(dist\/(kit|shared)\/[a-z-]+\.(js|d\.ts)|LICENSE|README\.md|package\.json)$/.test(f)),
      [],
    );
    const kitManifest = JSON.parse(await readFile(join(ROOT, KIT_DIR, 'package.json'), 'utf8')) as Record<string, unknown>;
    const hostManifest = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(kitManifest.dependencies, undefined, 'the kit needs nothing but Node');
    assert.equal(kitManifest.version, hostManifest.version, 'the kit is versioned with the host');

    const prefix = join(tmp.path, 'prefix');
    const installed = await npm(
      ['install', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', join(tmp.path, host.filename), join(tmp.path, kit.filename)],
      tmp.path,
    );
    assert.equal(installed.code, 0, `npm install: ${installed.stderr}`);
    const bin = join(prefix, 'node_modules/.bin/scope-plugin-host');

    const help = await runCommand(bin, ['--help']);
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, /^Usage: scope-plugin-host /);

    await writeFile(join(prefix, 'check.ts'), TYPED);
    await writeFile(
      join(prefix, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          target: 'ES2022',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: ['node'],
          typeRoots: [join(ROOT, 'node_modules/@types')],
        },
        files: ['check.ts'],
      }),
    );
    const typed = await runCommand(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(prefix, 'tsconfig.json')]);
    assert.equal(typed.code, 0, `types of the installed packages: ${typed.stdout}${typed.stderr}`);

    const pluginsRoot = join(tmp.path, 'plugins');
    await writeFile(join(prefix, 'plugin.mjs'), PLUGIN);
    const plugin = spawn(process.execPath, [join(prefix, 'plugin.mjs'), pluginsRoot], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(plugin);
    const socket = await new Promise<string>((resolve, reject) => {
      plugin.stdout.setEncoding('utf8').once('data', (d: string) => resolve(d.trim()));
      plugin.once('exit', (code) => reject(new Error(`plugin exited with ${code}`)));
    });
    assert.equal(socket, join(pluginsRoot, 'packed', 'packed.sock'));

    const port = await freePort();
    const service = spawn(bin, ['--plugins-root', pluginsRoot, '--listen', `127.0.0.1:${port}`, '--log-level', 'warn'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(service);
    const ended = collect(service, 60_000);
    let rows: { id: string; status: string; label: string }[] = [];
    await waitFor(
      'the packed plugin listed ok on /api/plugins',
      async () => {
        rows = (await (await fetch(`http://127.0.0.1:${port}/api/plugins`)).json()) as typeof rows;
        return rows.some((r) => r.id === 'packed' && r.status === 'ok');
      },
      20_000,
      100,
    );
    assert.deepEqual(
      rows.map((r) => [r.id, r.label, r.status]),
      [['packed', 'Packed', 'ok']],
    );

    service.kill('SIGTERM');
    const end = await ended;
    assert.equal(end.code, 0, `exit after SIGTERM; stderr: ${end.stderr}`);
  } finally {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await tmp.cleanup();
  }
});
