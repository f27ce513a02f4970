/**
 * Why a plugin's bytes are not a Scope report. `code` is stable (programs branch on it), `path`
 * names the offending JSON value (`Host.nodes["a;<host>"].latest.x.timestamp`, `''` for the whole
 * document) and `message` is `<path>: <problem>`, written to read well after the host's
 * `decoding error: ` prefix.
 */
export const ReportErrorCode = {
  /** A Uint8Array input is not valid UTF-8 (rejected, never replaced with U+FFFD). */
  BAD_UTF8: 'REPORT_BAD_UTF8',
  /** The text is not JSON at all. */
  NOT_JSON: 'REPORT_NOT_JSON',
  /** A known key holds the wrong JSON type (e.g. `Plugins` is an object, a set holds a number). */
  BAD_TYPE: 'REPORT_BAD_TYPE',
  /** A timestamp is not RFC 3339 (or lies outside years 0000–9999 once in UTC). */
  BAD_TIME: 'REPORT_BAD_TIME',
  /** A number is not finite, or not an integer where Go has an integer, or out of its range. */
  BAD_NUMBER: 'REPORT_BAD_NUMBER',
  /** Node `children` nested deeper than the decoder follows (guards the stack). */
  TOO_DEEP: 'REPORT_TOO_DEEP',
  /** More nodes than `DecodeOptions.maxNodes` (bounds a plugin's memory and CPU in the host). */
  TOO_MANY_NODES: 'REPORT_TOO_MANY_NODES',
} as const;

export type ReportErrorCode = (typeof ReportErrorCode)[keyof typeof ReportErrorCode];

export class ReportError extends Error {
  readonly code: ReportErrorCode;
  readonly path: string;
  /** The problem without the path, e.g. `not an RFC 3339 time`. */
  readonly problem: string;
  constructor(code: ReportErrorCode, path: string, problem: string) {
    super(path === '' ? problem : `${path}: ${problem}`);
    this.name = 'ReportError';
    this.code = code;
    this.path = path;
    this.problem = problem;
  }
}

/**
 * What the decoder throws internally while unwinding: cheap to create, and each enclosing level
 * pushes its own path segment, so the hot path never builds path strings.
 */
export class DecodeFailure {
  readonly segments: string[] = [];
  constructor(
    readonly code: ReportErrorCode,
    readonly problem: string,
  ) {}

  /** Adds the segment of the enclosing value (called innermost first). */
  at(segment: string): DecodeFailure {
    this.segments.push(segment);
    return this;
  }

  toError(): ReportError {
    const path = this.segments.reverse().join('');
    return new ReportError(this.code, path.startsWith('.') ? path.slice(1) : path, this.problem);
  }
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** Path segment for an object key: `.key` when it reads as an identifier, else `["key"]`. */
export function keySegment(key: string): string {
  return IDENTIFIER.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

export function indexSegment(index: number): string {
  return `[${index}]`;
}

/** Re-throws `err` with one more path segment if it is a decode failure. */
export function withSegment(err: unknown, segment: string): never {
  if (err instanceof DecodeFailure) throw err.at(segment);
  throw err;
}
