/** Property tests of the pure config helpers: address parsing, the JSON error locator, suggestions. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { formatListen, isHttpUrl, parseListen } from '../../../../src/main/config/address.js';
import { findJsonSyntaxError } from '../../../../src/main/config/json-syntax.js';
import { LISTEN_PATTERN } from '../../../../src/main/config/schema.js';
import { closest } from '../../../../src/main/config/suggest.js';

const listenPattern = new RegExp(LISTEN_PATTERN);
const port = fc.integer({ min: 0, max: 65535 });
const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join('.'));
const label = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,10}[a-z0-9])?$/);
const hostname = fc
  .array(label, { minLength: 1, maxLength: 4 })
  .map((l) => l.join('.'))
  .filter((h) => !/^[0-9.]+$/.test(h));

test('listen: every IPv4, IPv6 and hostname address round-trips through parse and format', () => {
  fc.assert(
    fc.property(fc.oneof(ipv4, fc.ipV6(), hostname), port, (host, p) => {
      const text = formatListen({ host, port: p });
      const parsed = parseListen(text);
      assert.ok(parsed.ok, `${text}: ${parsed.ok ? '' : parsed.reason}`);
      assert.equal(parsed.host, host);
      assert.equal(parsed.port, p);
    }),
  );
});

test('listen: the schema pattern (an editor hint) accepts everything the loader accepts', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 30 }), (text) => {
      if (parseListen(text).ok) assert.match(text, listenPattern);
    }),
  );
  fc.assert(
    fc.property(
      fc.oneof(
        ipv4,
        fc.ipV6().map((h) => `[${h}]`),
        hostname,
      ),
      port,
      (host, p) => {
        assert.match(`${host}:${p}`, listenPattern);
      },
    ),
  );
});

test('listen: ports above 65535 and hosts without a port are refused', () => {
  fc.assert(
    fc.property(ipv4, fc.integer({ min: 65536, max: 99999 }), (host, p) => {
      assert.deepEqual(parseListen(`${host}:${p}`), { ok: false, reason: 'port must be 0-65535' });
    }),
  );
  for (const text of ['localhost', '127.0.0.1', '[::1]', '', ':', ' :80', 'a b:80']) assert.equal(parseListen(text).ok, false, text);
});

test('app URLs: http and https with a host only', () => {
  for (const ok of ['http://127.0.0.1:4040', 'https://scope.example/base/', 'http://[::1]:4040', 'HTTP://X']) assert.ok(isHttpUrl(ok), ok);
  for (const bad of ['ftp://x', 'localhost:4040', '127.0.0.1:4040', 'http//x', 'file:///x', '', 'mailto:a@b']) assert.ok(!isHttpUrl(bad), bad);
});

test('JSON locator: finds an error exactly when JSON.parse fails', () => {
  const mutated = fc
    .tuple(fc.json(), fc.nat(), fc.constantFrom('', ',', '}', ']', '"', ':', 'x', '\n', '{', '[', '\\'), fc.boolean())
    .map(([text, at, ch, replace]) => {
      const i = text.length === 0 ? 0 : at % text.length;
      return text.slice(0, i) + ch + text.slice(replace ? i + 1 : i);
    });
  fc.assert(
    fc.property(fc.oneof(fc.json(), mutated), (text) => {
      let parses = true;
      try {
        JSON.parse(text);
      } catch {
        parses = false;
      }
      const found = findJsonSyntaxError(text);
      assert.equal(found === undefined, parses, `${JSON.stringify(text)} → ${JSON.stringify(found)}`);
    }),
    { numRuns: 2000 },
  );
});

test('JSON locator: line and column point at the offending character', () => {
  assert.deepEqual(findJsonSyntaxError('{\n  "a": 1,\n  "b": tru\n}'), { line: 3, column: 11, problem: 'unexpected "\\n"' });
  assert.deepEqual(findJsonSyntaxError('[1, 2,]'), { line: 1, column: 7, problem: 'unexpected "]"' });
  assert.deepEqual(findJsonSyntaxError('"a\tb"'), { line: 1, column: 3, problem: 'control character in string' });
});

test('suggestions: close typos are suggested, unrelated words are not', () => {
  const keys = ['pollIntervalMs', 'timeoutMs', 'rescanIntervalMs', 'workers', 'listen'];
  assert.equal(closest('pollInterval', keys), 'pollIntervalMs');
  assert.equal(closest('timeout', keys), 'timeoutMs');
  assert.equal(closest('worker', keys), 'workers');
  assert.equal(closest('Listen', keys), 'listen');
  assert.equal(closest('color', keys), undefined);
  assert.equal(closest('x', keys), undefined);
});
