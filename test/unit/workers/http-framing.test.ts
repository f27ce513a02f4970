/**
 * The parser against the framing table (test/helpers/framing-cases.ts, Go's outcome for each
 * answer and where in Go's source it comes from): the same body, or a refusal with Go's error
 * text, whole and in small reads.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ParseError, ResponseParser } from '../../../src/workers/http-response-parser.js';
import { fuzzCase } from '../../fuzz/answers.js';
import { FRAMING_CASES } from '../../helpers/framing-cases.js';

interface Result {
  body: string;
  complete: boolean;
  error: ParseError | null;
}

/** Feeds `bytes` in reads of `step` bytes (then EOF if asked), collecting the body. */
function run(raw: string, eof: boolean, step: number): Result {
  const bytes = Buffer.from(raw, 'latin1');
  const chunks: Buffer[] = [];
  let complete = false;
  const parser = new ResponseParser(
    {
      onBegin: () => {},
      onHead: () => {},
      onBody: (c) => chunks.push(Buffer.from(c)),
      onComplete: () => (complete = true),
    },
    64 * 1024,
  );
  let error: ParseError | null = null;
  try {
    for (let off = 0; off < bytes.length && !complete; off += step) parser.execute(bytes.subarray(off, off + step));
    if (eof) parser.finish();
  } catch (err) {
    if (!(err instanceof ParseError)) throw err;
    error = err;
  }
  return { body: Buffer.concat(chunks).toString('latin1'), complete, error };
}

describe("response framing matches Go's net/http", () => {
  for (const c of FRAMING_CASES) {
    test(c.name, () => {
      for (const step of [1 << 20, 1, 7]) {
        const r = run(c.raw, c.eof === true, step);
        const label = `${c.name} (reads of ${step} bytes)`;
        if ('body' in c.go) {
          assert.equal(r.error, null, `${label}: Go reads the body, the parser refused: ${r.error?.message}`);
          assert.equal(r.complete, true, `${label}: not complete`);
          assert.equal(r.body, c.go.body, label);
        } else {
          assert.ok(r.error, `${label}: Go refuses with ${JSON.stringify(c.go.error)}, the parser read ${JSON.stringify(r.body)}`);
          if (c.go.eof) assert.equal(r.error.code, 'HTTP_EOF', label);
          else assert.equal(r.error.message, c.go.error, label);
        }
      }
    });
  }
});

describe('fuzzed answers: only ParseError, and any split of the bytes gives the same outcome', () => {
  test('500 generated answers (test/fuzz/answers.ts), whole and in 1-, 13- and 4096-byte reads', () => {
    for (let i = 0; i < 500; i++) {
      const c = fuzzCase(4242, i, 'fuzz-0');
      const raw = c.bytes.toString('latin1');
      const whole = run(raw, c.close, 1 << 30);
      for (const step of [1, 13, 4096]) {
        const split = run(raw, c.close, step);
        assert.deepEqual(
          { body: split.body, complete: split.complete, error: split.error?.message },
          { body: whole.body, complete: whole.complete, error: whole.error?.message },
          `case ${i} of seed 4242 in reads of ${step} bytes (${c.mutations.join('; ')})`,
        );
      }
    }
  });
});
