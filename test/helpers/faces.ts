/** Synthetic faces and fake face models for tests that must not depend on trained weights. */
import type { Face, FaceDetector } from '../../src/face/types.js';
import type { Landmark203Model } from '../../src/face/landmark203.js';
import type { Landmark106Model } from '../../src/face/landmark106.js';
import type { FaceMeshModel } from '../../src/face/facemesh.js';
import type { Box } from '../../src/math/crop.js';
import type { RgbImage } from '../../src/image/types.js';

export interface FaceSpec {
  readonly cx: number;
  readonly cy: number;
  /** Face width in pixels. */
  readonly size: number;
  readonly angle?: number;
}

function placer(spec: FaceSpec, pts: Float32Array): (i: number, u: number, v: number) => void {
  const c = Math.cos(spec.angle ?? 0), s = Math.sin(spec.angle ?? 0);
  return (i, u, v) => {
    pts[2 * i] = spec.cx + spec.size * (u * c - v * s);
    pts[2 * i + 1] = spec.cy + spec.size * (u * s + v * c);
  };
}

/** Contour on an ellipse, eyes and mouth corners at the layout's anchor indices. */
export function syntheticLandmarks(spec: FaceSpec, layout: 106 | 203): Float32Array {
  const pts = new Float32Array(layout * 2);
  const put = placer(spec, pts);
  for (let i = 0; i < layout; i++) {
    const a = (i / layout) * Math.PI * 2;
    put(i, 0.5 * Math.cos(a), 0.1 + 0.5 * Math.sin(a));
  }
  const [left, right, lips] = layout === 106 ? [[33, 35, 40, 39], [87, 89, 94, 93], [52, 61]] : [[0, 6, 12, 18], [24, 30, 36, 42], [48, 66]];
  for (const i of left) put(i, -0.2, -0.1);
  for (const i of right) put(i, 0.2, -0.1);
  put(lips[0], -0.12, 0.3);
  put(lips[1], 0.12, 0.3);
  return pts;
}

export function syntheticFace(spec: FaceSpec, score = 0.9): Face {
  const kps = new Float32Array(10);
  const put = placer(spec, kps);
  put(0, -0.2, -0.1);
  put(1, 0.2, -0.1);
  put(2, 0, 0.1);
  put(3, -0.12, 0.3);
  put(4, 0.12, 0.3);
  const h = spec.size / 2;
  return { box: [spec.cx - h, spec.cy - h * 1.2, spec.cx + h, spec.cy + h * 1.2], score, keypoints5: Array.from(kps) };
}

export class FakeDetector implements FaceDetector {
  readonly name = 'fake';
  calls = 0;
  constructor(public faces: Face[] | ((call: number) => Face[])) {}
  async detect(_image: RgbImage): Promise<Face[]> {
    this.calls++;
    return typeof this.faces === 'function' ? this.faces(this.calls - 1) : this.faces;
  }
}

/** A "landmark model" that reports the face `truth()` currently shows, whatever it is seeded with. */
export class Fake203 implements Landmark203Model {
  calls = 0;
  constructor(public truth: () => FaceSpec) {}
  async detect(_image: RgbImage, previous: ArrayLike<number>): Promise<Float32Array> {
    if (![10, 212, 406, 956].includes(previous.length)) throw new Error(`unexpected seed of ${previous.length} values`);
    this.calls++;
    return syntheticLandmarks(this.truth(), 203);
  }
}

export class Fake106 implements Landmark106Model {
  calls = 0;
  async detect(_image: RgbImage, box: Box): Promise<Float32Array> {
    this.calls++;
    return syntheticLandmarks({ cx: (box[0] + box[2]) / 2, cy: (box[1] + box[3]) / 2, size: box[2] - box[0] }, 106);
  }
}

export class FakeMesh implements FaceMeshModel {
  calls = 0;
  async detect(_image: RgbImage, box: Box): Promise<Float32Array> {
    this.calls++;
    const pts = new Float32Array(956);
    const spec = { cx: (box[0] + box[2]) / 2, cy: (box[1] + box[3]) / 2, size: box[2] - box[0] };
    const put = placer(spec, pts);
    for (let i = 0; i < 478; i++) put(i, 0, 0);
    put(468, -0.2, -0.1);
    put(473, 0.2, -0.1);
    put(14, 0, 0.3);
    return pts;
  }
}
