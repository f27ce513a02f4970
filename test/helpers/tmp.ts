import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A fresh temp dir with a short path: unix socket paths are limited to 107 bytes, so plugin roots
 * must stay short even with sub-directories below them.
 */
export async function tempDir(prefix = 'sph-'): Promise<{ path: string; cleanup: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, cleanup: () => rm(path, { recursive: true, force: true }) };
}
