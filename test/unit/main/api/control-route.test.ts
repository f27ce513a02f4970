/**
 * The HTTP status of every control result the core can give, and of a body that is not JSON.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { controlReply, controlRoute } from '../../../../src/main/api/control-route.js';
import type { ControlFailure, ControlResult } from '../../../../src/main/core/control-result.js';
import type { HostCore } from '../../../../src/main/core/host-core.js';
import { ErrorCode, errorData } from '../../../../src/shared/errors.js';

test('each core failure maps to its HTTP status with {error, code}', () => {
  const expected: Array<[Exclude<ControlFailure, 'plugin-refused'>, number, ErrorCode]> = [
    ['bad-request', 400, ErrorCode.CONTROL_BAD_REQUEST],
    ['unknown-control', 404, ErrorCode.CONTROL_NOT_RECOGNISED],
    ['plugin-gone', 404, ErrorCode.CONTROL_PLUGIN_NOT_FOUND],
    ['unavailable', 503, ErrorCode.WORKER_CRASHED],
    ['plugin-failed', 400, ErrorCode.NOT_CONTROLLER],
  ];
  for (const [failure, status, code] of expected) {
    const reply = controlReply({ ok: false, failure, error: errorData(code, `because ${failure}`) });
    assert.equal(reply.status, status, failure);
    assert.equal(reply.type, 'application/json');
    assert.deepEqual(JSON.parse(String(reply.body)), { error: `because ${failure}`, code }, failure);
  }
});

test("success is 200 with the plugin's answer; a refusal is 400 with the plugin's own answer", () => {
  const ok = controlReply({ ok: true, answer: { value: 1 } });
  assert.equal(ok.status, 200);
  assert.deepEqual(JSON.parse(String(ok.body)), { value: 1 });
  const refused = controlReply({
    ok: false,
    failure: 'plugin-refused',
    error: errorData(ErrorCode.CONTROL_PLUGIN_ERROR, 'no'),
    answer: { error: 'not now' },
  });
  assert.equal(refused.status, 400);
  assert.deepEqual(JSON.parse(String(refused.body)), { error: 'not now' });
});

test('a body that is not JSON is 400 before the core is asked; a JSON body is handed over as decoded', async () => {
  const seen: unknown[] = [];
  // Only the method the route calls; the core's own behaviour is tested in core-controls.
  const core = {
    controlFromWire: async (wire: unknown): Promise<ControlResult> => {
      seen.push(wire);
      return { ok: true, answer: {} };
    },
  } as unknown as HostCore;
  for (const body of [null, Buffer.from(''), Buffer.from('{"NodeID":')]) {
    const reply = await controlRoute(core, body);
    assert.equal(reply.status, 400);
    assert.equal(JSON.parse(String(reply.body)).code, ErrorCode.CONTROL_BAD_REQUEST);
  }
  assert.equal(seen.length, 0);
  const reply = await controlRoute(core, Buffer.from('{"NodeID":"n","Control":"p~c"}'));
  assert.equal(reply.status, 200);
  assert.deepEqual(seen, [{ NodeID: 'n', Control: 'p~c' }]);
});
