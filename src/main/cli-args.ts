/**
 * Command-line flags: `node:util` `parseArgs` in strict mode, its errors rewritten into our
 * one-line form, and each value checked with the same rules as the config file (config/).
 */
import { parseArgs } from 'node:util';
import { ConfigError } from './config-error.js';
import { badAddress, expectation, notUrl, show } from './config/validate.js';
import { isHttpUrl, parseListen } from './config/address.js';
import { LOG_LEVELS, MAX_INT32, PROBE_ID_PATTERN } from './config/schema.js';
import { closest } from './config/suggest.js';
import { configKeys } from './config/json-schema.js';
import type { ConfigOverrides } from './config/resolve.js';

export const PROGRAM = 'scope-plugin-host';

/** Every flag: the parseArgs option, how it reads in --help, and the file key it overrides. */
const FLAGS = {
  config: { type: 'string', short: 'c', arg: 'FILE', key: '', help: 'read settings from this JSON file; flags override it' },
  'plugins-root': { type: 'string', arg: 'DIR', key: 'pluginsRoot', help: 'where plugin sockets live ("" disables plugins)' },
  listen: { type: 'string', arg: 'HOST:PORT', key: 'listen', help: 'address of the HTTP API (IPv4, hostname or [IPv6])' },
  'probe-id': { type: 'string', arg: 'ID', key: 'probeId', help: 'probe ID, 1-16 lower-case hex digits' },
  'log-level': { type: 'string', arg: 'LEVEL', key: 'logLevel', help: LOG_LEVELS.join('|') },
  app: {
    type: 'string',
    multiple: true,
    arg: 'URL',
    key: 'publish.apps',
    help: 'publish to this Scope app (repeatable)',
  },
  help: { type: 'boolean', short: 'h', arg: '', key: '', help: 'print this help and exit' },
  version: { type: 'boolean', arg: '', key: '', help: 'print the version and exit' },
} as const;

export interface ParsedFlags {
  help: boolean;
  version: boolean;
  /** `--config` as given (not yet resolved to an absolute path). */
  config: string | undefined;
  overrides: ConfigOverrides;
  /** Bad flag values, each a ConfigError; the caller reports them together with the file's. */
  errors: ConfigError[];
}

/** Parses argv (without node and script). Throws ConfigError on flag syntax; bad values land in `errors`. */
export function parseFlags(argv: readonly string[]): ParsedFlags {
  let values;
  try {
    ({ values } = parseArgs({ args: [...argv], options: FLAGS, strict: true, allowPositionals: false }));
  } catch (err) {
    throw flagSyntaxError(err);
  }

  // Every bad value is reported, not just the first (flag syntax errors stop parseArgs at once).
  const errors: ConfigError[] = [];
  const overrides: ConfigOverrides = {};
  if (values['plugins-root'] !== undefined) overrides.pluginsRoot = values['plugins-root'];
  if (values.listen !== undefined) {
    const listen = parseListen(values.listen);
    if (listen.ok) overrides.listen = { host: listen.host, port: listen.port };
    else errors.push(fromIssue(badAddress('--listen', values.listen, listen.reason)));
  }
  if (values['probe-id'] !== undefined) {
    const id = values['probe-id'];
    if (new RegExp(PROBE_ID_PATTERN).test(id)) overrides.probeId = id;
    else errors.push(new ConfigError('--probe-id', id, `--probe-id: expected 1 to 16 lower-case hex digits, got ${show(id)}`));
  }
  if (values['log-level'] !== undefined) {
    const level = values['log-level'];
    if ((LOG_LEVELS as readonly string[]).includes(level)) overrides.logLevel = level;
    else {
      const expected = expectation({ anyOf: LOG_LEVELS.map((l) => ({ const: l })) });
      errors.push(new ConfigError('--log-level', level, `--log-level: expected ${expected}, got ${show(level)}`));
    }
  }
  if (values.app !== undefined) {
    const bad = values.app.filter((app) => !isHttpUrl(app));
    for (const app of bad) errors.push(fromIssue(notUrl('--app', app)));
    if (bad.length === 0) overrides.apps = [...values.app];
  }
  if (values.config === '') errors.push(new ConfigError('--config', '', '--config: expected a file name, got ""'));

  const help = values.help === true;
  const version = values.version === true;
  return { help, version, config: values.config === '' ? undefined : values.config, overrides, errors };
}

function fromIssue(issue: { key: string; value: unknown; message: string }): ConfigError {
  return new ConfigError(issue.key, issue.value, issue.message);
}

/**
 * parseArgs' errors are multi-line and name the option in quotes; keep the facts, drop the prose.
 * The codes are stable Node API; the quoted names are parsed defensively with a fallback.
 */
function flagSyntaxError(err: unknown): ConfigError {
  const code = (err as { code?: unknown }).code;
  const message = err instanceof Error ? err.message : String(err);
  const quoted = /'([^']*)'/.exec(message)?.[1] ?? '';
  const longName = /--[A-Za-z0-9-]+/.exec(quoted)?.[0] ?? quoted;
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION': {
      const name = quoted.replace(/=.*$/, '');
      const known = Object.keys(FLAGS).map((f) => `--${f}`);
      const guess = name.startsWith('--') ? closest(name, known) : undefined;
      const hint = guess === undefined ? 'see --help' : `did you mean ${show(guess)}?`;
      return new ConfigError(name, undefined, `unknown flag ${show(name)} (${hint})`);
    }
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      if (/does not take an argument/.test(message)) {
        return new ConfigError(longName, undefined, `${longName}: takes no value`);
      }
      // Missing, or "ambiguous" (the next word is itself a flag: `--listen --help`).
      return new ConfigError(longName, undefined, `${longName}: missing value (write ${longName}=VALUE if it starts with "-")`);
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return new ConfigError(quoted, quoted, `unexpected argument ${show(quoted)} (flags only; see --help)`);
    default:
      return new ConfigError('', undefined, message.split('\n')[0] ?? 'bad command line');
  }
}

/** The --help text: usage, every flag, every config file key with its default. */
export function helpText(): string {
  const flagRows = Object.entries(FLAGS).map(([name, f]) => {
    const short = 'short' in f ? `-${f.short}, ` : '    ';
    const left = `${short}--${name}${f.arg === '' ? '' : ` ${f.arg}`}`;
    const overrides = f.key === '' ? '' : ` [${f.key}]`;
    return `  ${left.padEnd(28)}${f.help}${overrides}`;
  });
  // Short type column: an enum's members are listed with its flag (--log-level), and the timer
  // cap on durations is said once below the table.
  const keyRows = configKeys().map((k) => {
    const type = k.type.includes(' | ') ? 'enum' : k.type.replace(`1-${MAX_INT32}`, '>= 1');
    return `  ${k.key.padEnd(30)}${type.padEnd(15)} default ${k.default}`;
  });
  return [
    `Usage: ${PROGRAM} [--config FILE] [--plugins-root DIR] [--listen HOST:PORT] [--probe-id ID]`,
    `       ${' '.repeat(PROGRAM.length)} [--log-level LEVEL] [--app URL]...`,
    `       ${PROGRAM} check-plugin [--watch] [--config FILE] SOCKET`,
    '',
    'Hosts Weave Scope probe plugins: finds plugin unix sockets, polls their reports, merges them',
    'and serves the merged report over HTTP. check-plugin polls one plugin once and prints what the',
    'host makes of it (check-plugin --help).',
    '',
    'Flags (they override the config file; [key] is the file key they set):',
    ...flagRows,
    '',
    'Config file keys (JSON; unknown keys are errors; see docs/configuration.md and',
    'schema/config.schema.json):',
    ...keyRows,
    `  (*Ms keys are milliseconds; they and maxResponseBytes are at most ${MAX_INT32})`,
    '',
    'Bad flags or config: one error line on stderr, exit status 2.',
    '',
  ].join('\n');
}
