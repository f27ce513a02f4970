import { ErrorCode } from '../shared/errors.js';

/**
 * A bad flag or config file. `message` is the whole one-line explanation without the program-name
 * prefix (`config /etc/sph.json: pollIntervalMs: expected an integer >= 1, got "fast"`); the CLI
 * prints `scope-plugin-host: <message>` and exits 2, with no stack trace.
 */
export class ConfigError extends Error {
  readonly code = ErrorCode.CONFIG_INVALID;
  /** The key or flag at fault (`pollIntervalMs`, `--listen`, `config` for the file as a whole). */
  readonly key: string;
  /** The offending value as given (undefined when there is none, e.g. an unknown flag). */
  readonly value: unknown;

  constructor(key: string, value: unknown, message: string) {
    super(message);
    this.name = 'ConfigError';
    this.key = key;
    this.value = value;
  }
}
