/**
 * Finds where JSON text stops being JSON, for a one-line "invalid JSON at line L column C" message.
 * Node 20's `JSON.parse` errors often carry no position at all (`Unexpected token '}', "{..." is not
 * valid JSON`, with the whole input quoted across lines), so we scan the text ourselves. Only called
 * after `JSON.parse` failed; it checks syntax, builds nothing.
 */

export interface JsonSyntaxError {
  /** 1-based line and column (columns count UTF-16 units, as editors mostly do). */
  line: number;
  column: number;
  /** e.g. `unexpected "}"`, `unexpected end of input`. */
  problem: string;
}

class Stop {
  constructor(
    readonly offset: number,
    readonly problem: string,
  ) {}
}

export function findJsonSyntaxError(text: string): JsonSyntaxError | undefined {
  let i = 0;

  const unexpected = (): Stop => (i >= text.length ? new Stop(i, 'unexpected end of input') : new Stop(i, `unexpected ${JSON.stringify(text[i])}`));
  const ws = (): void => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  };
  const expect = (ch: string): void => {
    if (text[i] !== ch) throw unexpected();
    i++;
  };
  const literal = (word: string): void => {
    for (const ch of word) expect(ch);
  };
  const string = (): void => {
    expect('"');
    for (;;) {
      if (i >= text.length) throw unexpected();
      const ch = text[i]!;
      if (ch === '"') {
        i++;
        return;
      }
      if (ch < ' ') throw new Stop(i, 'control character in string');
      if (ch === '\\') {
        i++;
        const esc = text[i];
        if (esc === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) throw new Stop(i, 'bad \\u escape');
          i += 5;
        } else if (esc !== undefined && '"\\/bfnrt'.includes(esc)) i++;
        else throw new Stop(i, 'bad escape');
      } else i++;
    }
  };
  const number = (): void => {
    const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(text.slice(i, i + 400));
    if (m === null || m[0] === '' || m[0] === '-') throw unexpected();
    i += m[0].length;
  };
  const value = (): void => {
    ws();
    const ch = text[i];
    if (ch === '{') {
      i++;
      ws();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        ws();
        string();
        ws();
        expect(':');
        value();
        ws();
        if (text[i] === ',') i++;
        else return expect('}');
      }
    } else if (ch === '[') {
      i++;
      ws();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (;;) {
        value();
        ws();
        if (text[i] === ',') i++;
        else return expect(']');
      }
    } else if (ch === '"') string();
    else if (ch === 't') literal('true');
    else if (ch === 'f') literal('false');
    else if (ch === 'n') literal('null');
    else number();
  };

  try {
    value();
    ws();
    if (i < text.length) throw unexpected();
    return undefined;
  } catch (err) {
    // Anything else (a RangeError from absurd nesting) means "no position": the caller falls back.
    if (!(err instanceof Stop)) return undefined;
    return { ...lineColumn(text, err.offset), problem: err.problem };
  }
}

function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let k = 0; k < offset; k++) {
    if (text[k] === '\n') {
      line++;
      lineStart = k + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}
