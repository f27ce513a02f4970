/**
 * Transpiles the baseline (this directory's runtime files) to plain ESM JS, so the serial poller
 * runs as bare `node serial-poller.js` like the host runs from `dist/`: a TS loader in one process
 * and not the other would skew RSS and start-up CPU. Types are only erased (no type check here;
 * `npm run typecheck` covers bench/).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const FILES = ['fold.ts', 'serial-poller.ts'];

/** Writes the JS next to each other in `outDir`; returns the entry's path. */
export function buildBaseline(outDir: string): string {
  const here = dirname(fileURLToPath(import.meta.url));
  mkdirSync(outDir, { recursive: true });
  for (const file of FILES) {
    const source = readFileSync(join(here, file), 'utf8');
    const out = ts.transpileModule(source, {
      fileName: file,
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
    });
    writeFileSync(join(outDir, file.replace(/\.ts$/, '.js')), out.outputText);
  }
  // Plain `.js` files outside the package: mark them ESM.
  writeFileSync(join(outDir, 'package.json'), '{"type":"module"}\n');
  return join(outDir, 'serial-poller.js');
}
