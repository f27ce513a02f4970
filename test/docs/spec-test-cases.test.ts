/**
 * docs/spec/plugin-protocol.md lists the upstream test cases we honour (uc-1 … uc-42), each with
 * the test file and title that covers it. These checks keep that list and the tests in step: a
 * renamed or deleted test, or a test naming a case the list lacks, fails here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '../..');
const spec = readFileSync(join(root, 'docs/spec/plugin-protocol.md'), 'utf8');
const list = spec.slice(spec.indexOf('## Upstream test cases we honour'));

/** Each item of the list: its case number and the text up to the next item. */
function items(): { n: number; text: string }[] {
  const out: { n: number; text: string }[] = [];
  const re = /^\d+\. <a id="uc-(\d+)"><\/a>/gm;
  const starts = [...list.matchAll(re)];
  starts.forEach((m, i) => {
    const end = i + 1 < starts.length ? starts[i + 1]!.index : list.length;
    out.push({ n: Number(m[1]), text: list.slice(m.index, end) });
  });
  return out;
}

test('the list numbers the cases uc-1 to uc-42, each once, in order', () => {
  assert.deepEqual(
    items().map((i) => i.n),
    Array.from({ length: 42 }, (_, i) => i + 1),
  );
});

test('every test title the list quotes exists in the test file it names', () => {
  let quoted = 0;
  for (const { n, text } of items()) {
    // "`test/x.test.ts`: `title`, `title`." up to the next file or the end of the item.
    for (const m of text.matchAll(/`(test\/[\w./-]+\.test\.ts)`: ([\s\S]*?)(?=\n\s*`test\/|$)/g)) {
      const source = readFileSync(join(root, m[1]!), 'utf8');
      for (const [, title] of m[2]!.matchAll(/`([^`]+)`/g)) {
        quoted++;
        assert.ok(
          source.includes(`'${title}'`) || source.includes(`\`${title}\``) || source.includes(`"${title}"`),
          `uc-${n}: ${m[1]} has no test titled ${JSON.stringify(title)}`,
        );
      }
    }
  }
  assert.ok(quoted >= 42, `only ${quoted} titles quoted`);
});

test('every uc-N a test title names is an item of the list', () => {
  const listed = new Set(items().map((i) => i.n));
  for (const file of readdirSync(join(root, 'test'), { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.test.ts'))) {
    const source = readFileSync(join(root, 'test', file), 'utf8');
    for (const [, title] of source.matchAll(/\b(?:test|it|describe)\('([^']*\buc-\d+[^']*)'/g)) {
      for (const [, n] of title!.matchAll(/\buc-(\d+)/g)) {
        assert.ok(listed.has(Number(n)), `${file}: "${title}" names uc-${n}, which the list lacks`);
      }
    }
  }
});
