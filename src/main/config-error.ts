import { ErrorCode } from '../shared/errors.js';

/**
 * Bad flags or a bad config file. Each problem is one line without the program-name prefix
 * (`config /etc/sph.json: pollIntervalMs: expected an integer >= 1, got "fast"`); `message` is
 * those lines joined by newlines. The CLI prints each as `scope-plugin-host: <line>` and exits 2,
 * with no stack trace. `key` and `value` are the first problem's.
 */
export class ConfigError extends Error {
  readonly code = ErrorCode.CONFIG_INVALID;
  /** The key or flag at fault (`pollIntervalMs`, `--listen`, `config` for the file as a whole). */
  readonly key: string;
  /** The offending value as given (undefined when there is none, e.g. an unknown flag). */
  readonly value: unknown;

  /** Every problem found, one line each; `[message]` for a single one. */
  readonly lines: readonly string[];

  constructor(key: string, value: unknown, message: string, lines: readonly string[] = [message]) {
    super(message);
    this.name = 'ConfigError';
    this.key = key;
    this.value = value;
    this.lines = lines;
  }

  /** All of `errors` as one error, so a user fixes every problem in one go. */
  static all(errors: readonly ConfigError[]): ConfigError {
    const [first] = errors;
    if (first === undefined) throw new RangeError('ConfigError.all needs at least one error');
    if (errors.length === 1) return first;
    const lines = errors.flatMap((e) => e.lines);
    return new ConfigError(first.key, first.value, lines.join('\n'), lines);
  }
}
