/**
 * Turns argv (+ an optional config file) into the frozen HostConfig, or a help/version text.
 * Precedence: flags > file > defaults. Every failure is a ConfigError with one line per problem,
 * each naming the key and the value; `loadConfigOrExit` is the CLI's wrapper that prints them and
 * exits 2.
 */
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { randomBytes } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import { ConfigError } from './config-error.js';
import { PROGRAM, helpText, parseFlags } from './cli-args.js';
import { validateConfigFile } from './config/validate.js';
import { resolveConfig } from './config/resolve.js';
import { findJsonSyntaxError } from './config/json-syntax.js';
import type { ConfigFile, HostConfig } from './config/schema.js';
import type { ConfigOverrides } from './config/resolve.js';

export { ConfigError };

export type LoadResult = { kind: 'run'; config: HostConfig; configPath?: string } | { kind: 'help'; text: string } | { kind: 'version'; text: string };

export interface LoadEnv {
  /** Default worker count; `os.availableParallelism()` if not given. */
  availableParallelism?: number;
  /** Default probe ID; 16 random hex digits if not given. */
  randomProbeId?: () => string;
}

/** Parses flags, reads the config file if `--config` is given, and resolves. Throws ConfigError. */
export async function loadConfig(argv: string[], env: LoadEnv = {}): Promise<LoadResult> {
  const flags = parseFlags(argv);
  if (flags.help) return { kind: 'help', text: helpText() };
  if (flags.version) return { kind: 'version', text: `${PROGRAM} ${await packageVersion()}\n` };

  let file: ConfigFile = {};
  let configPath: string | undefined;
  const prefix = flags.config === undefined ? '' : `config ${flags.config}: `;
  const errors = [...flags.errors];
  if (flags.config !== undefined) {
    configPath = resolve(flags.config);
    try {
      file = await readConfigFile(flags.config, configPath);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      errors.push(err);
    }
    // A relative root in a file means "next to this file", as in most daemons' configs.
    if (file.pluginsRoot !== undefined && file.pluginsRoot !== '') {
      file = { ...file, pluginsRoot: resolve(dirname(configPath), file.pluginsRoot) };
    }
  }
  if (errors.length > 0) throw ConfigError.all(errors);
  const overrides: ConfigOverrides = { ...flags.overrides };
  if (overrides.pluginsRoot !== undefined && overrides.pluginsRoot !== '') {
    overrides.pluginsRoot = resolve(overrides.pluginsRoot);
  }

  const resolved = resolveConfig(file, overrides, {
    probeId: (env.randomProbeId ?? randomProbeId)(),
    availableParallelism: env.availableParallelism ?? availableParallelism(),
  });
  if (!resolved.ok) throw new ConfigError(resolved.issue.key, resolved.issue.value, prefix + resolved.issue.message);
  return configPath === undefined ? { kind: 'run', config: resolved.config } : { kind: 'run', config: resolved.config, configPath };
}

/**
 * The CLI's config step: returns the config to run with, or prints help/version (exit 0) or the
 * error lines (`scope-plugin-host: <line>` on stderr, exit 2) and never returns. Errors other
 * than ConfigError are bugs and propagate with their stack.
 */
export async function loadConfigOrExit(argv: string[], env: LoadEnv = {}): Promise<{ config: HostConfig; configPath?: string }> {
  let result: LoadResult;
  try {
    result = await loadConfig(argv, env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    await write(process.stderr, err.lines.map((line) => `${PROGRAM}: ${oneLine(line)}\n`).join(''));
    process.exit(2);
  }
  if (result.kind !== 'run') {
    await write(process.stdout, result.text);
    process.exit(0);
  }
  return result.configPath === undefined ? { config: result.config } : { config: result.config, configPath: result.configPath };
}

/** 16 lower-case hex digits with the top bit clear: upstream's probe ID is a random int63. */
export function randomProbeId(): string {
  const bytes = randomBytes(8);
  bytes[0] = bytes[0]! & 0x7f;
  return bytes.toString('hex');
}

async function readConfigFile(shown: string, path: string): Promise<ConfigFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ConfigError('config', shown, `cannot read config ${shown}: ${fsReason(err)}`);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // a BOM from some Windows editors

  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const at = findJsonSyntaxError(text);
    const detail = at === undefined ? oneLine(err instanceof Error ? err.message : String(err)) : `line ${at.line} column ${at.column}: ${at.problem}`;
    throw new ConfigError('config', shown, `config ${shown}: invalid JSON at ${detail}`);
  }
  const check = validateConfigFile(value);
  if (!check.ok) {
    throw ConfigError.all(check.issues.map(({ key, value: bad, message }) => new ConfigError(key === '' ? 'config' : key, bad, `config ${shown}: ${message}`)));
  }
  return check.file;
}

/** `ENOENT: no such file or directory, open '/x'` → `ENOENT: no such file or directory`. */
function fsReason(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return oneLine(message.replace(/, [a-z]+(?: '.*')?$/, ''));
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

function write(stream: NodeJS.WriteStream, text: string): Promise<void> {
  return new Promise((done) => stream.write(text, () => done()));
}

let version: string | undefined;
/** package.json sits two levels above this file in both src/main and dist/main. */
async function packageVersion(): Promise<string> {
  if (version === undefined) {
    const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    version = pkg.version ?? 'unknown';
  }
  return version;
}
