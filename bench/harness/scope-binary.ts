/**
 * Finds upstream's real `scope` program (app and probe in one binary) for the `upstream` target:
 * `scope.xz` from `SCOPE_BINARY_XZ`, or `../shared/tools/scope/scope.xz` beside the repository,
 * checked against the `SHA256SUMS` next to it and unpacked once into a cache folder. The binary
 * is linked against libpcap0.8, so that library must be installed too. When anything is missing
 * the answer says what, and the bench runs without the target.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

export type ScopeBinary = { readonly path: string } | { readonly missing: string };

/** Where scope.xz is looked for: the env var wins, else the default beside the repository. */
export function scopeXzPath(env: NodeJS.ProcessEnv = process.env, repoRoot = REPO): string {
  const fromEnv = env['SCOPE_BINARY_XZ'];
  return fromEnv ? resolve(fromEnv) : resolve(repoRoot, '../shared/tools/scope/scope.xz');
}

/** The hash `SHA256SUMS` gives for `name` (`<hex>  <name>` lines, `*` before binary names), or undefined. */
export function expectedSha256(sums: string, name: string): string | undefined {
  for (const line of sums.split('\n')) {
    const m = /^([0-9a-f]{64})\s+\*?(.+?)\s*$/i.exec(line);
    if (m && m[2] === name) return m[1]!.toLowerCase();
  }
  return undefined;
}

/** Whether `ldconfig -p` output lists libpcap.so.0.8. */
export function listsLibpcap(ldconfigOutput: string): boolean {
  return /^\s*libpcap\.so\.0\.8\s/m.test(ldconfigOutput);
}

function libpcapInstalled(): boolean {
  for (const ldconfig of ['/sbin/ldconfig', '/usr/sbin/ldconfig', 'ldconfig']) {
    try {
      return listsLibpcap(execFileSync(ldconfig, ['-p'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
    } catch {
      // try the next location
    }
  }
  return ['/lib/x86_64-linux-gnu', '/usr/lib/x86_64-linux-gnu', '/lib/aarch64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib', '/lib'].some(
    (d) => existsSync(join(d, 'libpcap.so.0.8')),
  );
}

export interface FindOptions {
  readonly xzPath?: string;
  /** Where unpacked binaries are kept, one folder per archive hash. */
  readonly cacheDir?: string;
  /** Overrides the library check (tests). */
  readonly hasLibpcap?: () => boolean;
}

/** Locates, verifies and unpacks the binary; never throws, a missing piece is a `missing` reason. */
export function findScopeBinary(o: FindOptions = {}): ScopeBinary {
  const xz = o.xzPath ?? scopeXzPath();
  if (!existsSync(xz)) return { missing: `${xz} not found (set SCOPE_BINARY_XZ to upstream's scope.xz)` };
  const sumsFile = join(dirname(xz), 'SHA256SUMS');
  if (!existsSync(sumsFile)) return { missing: `${sumsFile} not found: cannot check ${xz}` };
  const name = xz.slice(dirname(xz).length + 1);
  const expected = expectedSha256(readFileSync(sumsFile, 'utf8'), name);
  if (!expected) return { missing: `${sumsFile} has no line for ${name}` };
  if (!(o.hasLibpcap ?? libpcapInstalled)()) return { missing: 'libpcap0.8 is not installed (the scope binary links against libpcap.so.0.8)' };
  const dir = join(o.cacheDir ?? join(REPO, 'node_modules/.cache/scope-binary'), expected.slice(0, 16));
  const bin = join(dir, 'scope');
  if (existsSync(bin)) return { path: bin };
  const packed = readFileSync(xz);
  const actual = createHash('sha256').update(packed).digest('hex');
  if (actual !== expected) return { missing: `${xz} does not match ${sumsFile} (sha256 ${actual})` };
  let unpacked: Buffer;
  try {
    // Node has no xz decoder of its own.
    unpacked = execFileSync('xz', ['-dc', xz], { maxBuffer: 512 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    return { missing: `cannot unpack ${xz}: ${(err as Error).message}` };
  }
  mkdirSync(dir, { recursive: true });
  // Written under a temporary name first, so a crash never leaves a truncated binary in the cache.
  const tmp = `${bin}.${process.pid}.tmp`;
  writeFileSync(tmp, unpacked);
  chmodSync(tmp, 0o755);
  renameSync(tmp, bin);
  return { path: bin };
}
