// ESLint flat config: the recommended sets (type-checked for TypeScript) and the rules that keep the
// thread boundary, exhaustive switches and awaited promises. Formatting is Prettier's job.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// One restriction per folder: each lists the import specifiers (relative, .js) that folder must not use.
const importsFrom = (message, ...regexes) => ({
  'no-restricted-imports': ['error', { patterns: regexes.map((regex) => ({ regex, message })) }],
});
const MAIN = '(^|/)main/';
const WORKERS = '(^|/)workers/';
const KIT = '(^|/)kit/';

export default tseslint.config(
  // bench/results holds the bench's copies of built hosts and its output, as .gitignore says.
  { ignores: ['dist/**', 'packages/*/dist/**', 'node_modules/**', 'bench/results/**'] },
  js.configs.recommended,
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: { parserOptions: { project: ['./tsconfig.check.json'] } },
    rules: {
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true, requireDefaultForNonUnion: false }],
      // node:test's test() and describe() return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite'] }] },
      ],
      // Decoders throw small failure values without a stack on purpose; they are caught and become error data.
      '@typescript-eslint/only-throw-error': ['error', { allow: [{ from: 'file', name: ['DecodeFailure', 'Stop'] }] }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
      // Assertions are erased at build: a redundant one costs nothing, and this fires on hundreds of lines.
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
      // The byte scanners compare const enums with numbers read from typed arrays.
      '@typescript-eslint/no-unsafe-enum-comparison': 'off',
      // Methods called by comlink or through an interface are async so their callers can await them.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts'],
    rules: {
      // Tests and benchmarks read parsed JSON and answers of plain HTTP as any to assert on them.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-base-to-string': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', URL: 'readonly', setTimeout: 'readonly', setInterval: 'readonly' },
    },
  },
  // The tree is the thread boundary: main and workers meet only in src/shared.
  {
    files: ['src/workers/**/*.ts'],
    rules: importsFrom('worker threads import src/shared, never src/main or src/kit', MAIN, KIT),
  },
  {
    files: ['src/main/**/*.ts'],
    // check-plugin is a one-shot command in its own process that runs the shard's client and checks,
    // so it says exactly what the host would make of a plugin.
    ignores: ['src/main/check-plugin/**'],
    rules: importsFrom('the main thread imports src/shared, never src/workers or src/kit', WORKERS, KIT),
  },
  {
    files: ['src/shared/**/*.ts'],
    rules: importsFrom('src/shared is used by every thread and imports none of them', MAIN, WORKERS, KIT),
  },
  // The kit ships alone (packages/scope-plugin-kit): Node builtins, its own files and the shared files
  // that package's tsconfig.json includes, which import only Node builtins themselves.
  {
    files: ['src/kit/**/*.ts'],
    rules: importsFrom(
      'the kit imports only node: builtins, ./ files and ../shared/control-body.js (it ships alone)',
      '^(?!node:|\\./|\\.\\./shared/control-body\\.js$)',
    ),
  },
  {
    files: ['src/shared/control-body.ts'],
    rules: importsFrom('the kit ships this file: it imports only node: builtins', '^(?!node:)'),
  },
);
