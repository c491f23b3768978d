import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GraphBuilder } from '../../src/onnx/builder.js';
import { availableDevices, createSession, DeviceUnavailableError } from '../../src/runtime/onnx.js';

function tinyModel(): Uint8Array {
  const g = new GraphBuilder('tiny');
  const x = g.input('x', [1]);
  g.node('Identity', [x], ['y']);
  g.output('y', [1]);
  return g.build();
}

test('cpu is always available; an unavailable device fails with a clear error naming it', async () => {
  const devices = await availableDevices();
  assert.ok(devices.includes('cpu'));
  await createSession(tinyModel(), { device: 'cpu' });
  if (!devices.includes('cuda')) {
    await assert.rejects(createSession(tinyModel(), { device: 'cuda' }), (e: Error) => e instanceof DeviceUnavailableError && /device 'cuda'/.test(e.message) && /ONNXRUNTIME_NODE_INSTALL=cuda12/.test(e.message));
  }
  await assert.rejects(createSession(tinyModel(), { device: 'wasm' }), /'wasm' is the browser's CPU provider/);
});
