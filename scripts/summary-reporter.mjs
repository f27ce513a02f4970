// A node:test reporter that ends the run with one plain line, "N passed, N failed, N skipped",
// which CI reads. Suites are not counted, only the tests inside them (a suite skipped whole counts
// as one skipped test). With --experimental-test-coverage it also prints the coverage of src/ and
// fails the run below the floor in coverage-floor.json.
import { readFileSync } from 'node:fs';
import { join, sep } from 'node:path';

export default async function* summaryReporter(source) {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  for await (const event of source) {
    if (event.type === 'test:coverage') {
      yield coverageLines(event.data.summary);
      continue;
    }
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const skip = Boolean(event.data.skip || event.data.todo);
    // A suite is not a test, except one skipped whole: none of its tests run or report.
    if (event.data.details?.type === 'suite' && !skip) continue;
    if (skip) skipped++;
    else if (event.type === 'test:pass') passed++;
    else failed++;
  }
  yield `\n${passed} passed, ${failed} failed, ${skipped} skipped\n`;
}

/**
 * How far one run's coverage of unchanged code can sit from another's, in points. Two CI runs of
 * one commit differ by under 0.1 point, provided every thread runs the same transpiled code
 * (scripts/ts-worker-bootstrap.mjs, docs/decisions/120-lint-format-coverage.md). A floor raised to
 * a run's figure less this holds on the next run.
 */
const SPREAD = { lines: 1, branches: 1 };

/** Totals over the files under src/ (tests, benches and dependencies are not what we measure). */
export function srcCoverage(summary) {
  const root = join(summary.workingDirectory, 'src') + sep;
  const sum = { lines: [0, 0], branches: [0, 0], functions: [0, 0] };
  for (const f of summary.files) {
    if (!f.path.startsWith(root)) continue;
    sum.lines[0] += f.coveredLineCount;
    sum.lines[1] += f.totalLineCount;
    sum.branches[0] += f.coveredBranchCount;
    sum.branches[1] += f.totalBranchCount;
    sum.functions[0] += f.coveredFunctionCount;
    sum.functions[1] += f.totalFunctionCount;
  }
  const pct = ([covered, total]) => (total === 0 ? 100 : Math.floor((covered / total) * 10000) / 100);
  return { lines: pct(sum.lines), branches: pct(sum.branches), functions: pct(sum.functions) };
}

function coverageLines(summary) {
  const c = srcCoverage(summary);
  let out = `\ncoverage: lines ${c.lines} %, branches ${c.branches} %, functions ${c.functions} %\n`;
  const floor = JSON.parse(readFileSync(join(summary.workingDirectory, 'coverage-floor.json'), 'utf8'));
  // Node 22 and later count lines differently from Node 20, so the floor holds for one major only.
  const major = Number(process.versions.node.split('.')[0]);
  if (major !== floor.node) return `${out}coverage: the floor in coverage-floor.json is for Node ${floor.node}; not checked on Node ${major}\n`;
  const below = ['lines', 'branches'].filter((k) => c[k] < floor[k]);
  if (below.length > 0) {
    // The runner's own exit code only counts failed tests.
    process.exitCode = 1;
    out += `coverage: below the floor in coverage-floor.json: ${below.map((k) => `${k} ${c[k]} % < ${floor[k]} %`).join(', ')}\n`;
  } else {
    const raise = (k) => Math.floor(c[k] - SPREAD[k]);
    const risen = ['lines', 'branches'].filter((k) => raise(k) > floor[k]);
    if (risen.length > 0) {
      out += `coverage: above the floor by more than its run-to-run spread; raise it in coverage-floor.json: ${risen.map((k) => `${k} ${raise(k)}`).join(', ')}\n`;
    }
  }
  return out;
}
