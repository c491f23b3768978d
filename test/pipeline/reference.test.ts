import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findReference, SourceInputError } from '../../src/pipeline/run.js';
import type { Driver } from '../../src/pipeline/drivers.js';
import type { DrivingSample } from '../../src/pipeline/animator.js';
import { mat3Identity } from '../../src/math/rotation.js';

function fakeDriver(magnitudes: number[], kind: Driver['kind'] = 'template'): Driver {
  return {
    kind,
    label: 'fake',
    fps: 25,
    fpsText: '25',
    frameCount: magnitudes.length,
    async *samples() {
      for (const [index, m] of magnitudes.entries()) {
        const exp = new Float32Array(63);
        exp[5] = m;
        yield { index, motion: { pitch: 0, yaw: 0, roll: 0, R: mat3Identity(), exp, scale: 1, t: new Float32Array(3), kp: new Float32Array(63) } } satisfies DrivingSample;
      }
    },
  };
}

test('--reference auto picks the frame with the smallest expression magnitude (first on ties)', async () => {
  assert.equal((await findReference(fakeDriver([0.3, 0.2, 0.05, 0.4, 0.05]), 'auto'))?.index, 2);
  assert.equal((await findReference(fakeDriver([-0.01, 0.2]), 'auto'))?.index, 0, 'magnitude, not signed value');
});

test('--reference N picks frame N; 0 needs no pre-pass; out of range and webcams are refused', async () => {
  assert.equal((await findReference(fakeDriver([1, 2, 3]), 2))?.index, 2);
  assert.equal(await findReference(fakeDriver([1, 2, 3]), 0), undefined);
  await assert.rejects(findReference(fakeDriver([1, 2, 3]), 7), (e: Error) => e instanceof SourceInputError && /beyond the driver's 3 frames/.test(e.message));
  await assert.rejects(findReference(fakeDriver([1], 'webcam'), 'auto'), /webcam/);
});
