/**
 * Stand-ins for the landmark models: LivePortrait's 203-point model, insightface 2d106det and MediaPipe
 * FaceMesh. Each reports a fixed schematic face (face-layout.ts) placed where the crop convention of its
 * pipeline puts the face, shifted slightly with the image; eye and mouth openings follow the brightness of
 * the eye and mouth regions, so eye/lip ratios differ between images.
 */
import { GraphBuilder, attr } from '../builder.js';
import { SeededRandom } from '../random.js';
import { boundedHead, exportAs, pooledFeatures, regionMeans, type Region, type StandinGraph } from './graph-helpers.js';
import { FACE, layout106, layout203, layout478, type OpeningLayout, type Point } from './face-layout.js';

/** Maps face-box coordinates to a model's output coordinates. */
interface Placement {
  readonly x0: number;
  readonly y0: number;
  readonly sx: number;
  readonly sy: number;
}

function place(p: Point, at: Placement): Point {
  return [at.x0 + at.sx * p[0], at.y0 + at.sy * p[1]];
}

function regionAround(centre: Point, halfWidth: number, halfHeight: number, at: Placement, extent: number): Region {
  const [x, y] = place(centre, at);
  return {
    x0: (x - at.sx * halfWidth) / extent,
    x1: (x + at.sx * halfWidth) / extent,
    y0: (y - at.sy * halfHeight) / extent,
    y1: (y + at.sy * halfHeight) / extent,
  };
}

/** Eyes open wider in brighter eye regions: ratio 0.05 … 0.45. */
const EYE_OPENING = { offset: 0.05, slope: 0.4 };
/** Mouths open wider in darker mouth regions: ratio 0.02 … 0.2. */
const LIP_OPENING = { offset: 0.2, slope: -0.18 };

/**
 * Landmarks = base + Σ opening·delta + shift: a Gemm of the per-image coefficients
 * [openings…, shift x, shift y] with a constant basis. `dims` is 2 (x, y) or 3 (x, y, z with `depth`).
 */
function landmarkGemm(
  g: GraphBuilder,
  coefficients: string,
  layout: OpeningLayout,
  at: Placement,
  depth?: (p: Point) => number,
): string {
  const dims = depth ? 3 : 2;
  const n = layout.base.length;
  const rows = layout.openings.length + 2;
  const basis = new Float32Array(rows * n * dims);
  const base = new Float32Array(n * dims);
  layout.base.forEach((p, i) => {
    const [x, y] = place(p, at);
    base[i * dims] = x;
    base[i * dims + 1] = y;
    if (depth) base[i * dims + 2] = depth(p);
  });
  layout.openings.forEach((opening, r) => {
    opening.delta.forEach(([du, dv], i) => {
      basis[(r * n + i) * dims] = at.sx * du;
      basis[(r * n + i) * dims + 1] = at.sy * dv;
    });
  });
  for (let i = 0; i < n; i++) {
    basis[((rows - 2) * n + i) * dims] = 1;
    basis[((rows - 1) * n + i) * dims + 1] = 1;
  }
  return g.op('Gemm', [coefficients, g.constFloat(basis, [rows, n * dims], 'basis'), g.constFloat(base, [1, n * dims], 'base')]);
}

function openings(g: GraphBuilder, means: string, params: readonly { offset: number; slope: number }[]): string {
  const slope = g.constFloat(params.map((p) => p.slope), [1, params.length], 'opening_slope');
  const offset = g.constFloat(params.map((p) => p.offset), [1, params.length], 'opening_offset');
  return g.op('Add', [g.op('Mul', [means, slope]), offset]);
}

/** Shift of the whole face, ±`amplitude`, from the 8×8-pooled image. */
function shift(g: GraphBuilder, image: string, size: number, centre: number, scale: number, amplitude: number, seed: number): string {
  let features = pooledFeatures(g, image, size, 8, centre);
  if (scale !== 1) features = g.op('Mul', [features, g.constFloat([scale], [], 'scale')]);
  return boundedHead(g, features, 192, [amplitude, amplitude], [0, 0], new SeededRandom(seed), 0.15);
}

/**
 * 203 points in [0, 1] of the 224 crop. The crop (scale 1.5, vy −0.1) puts the landmark box at
 * x ∈ [1/6, 5/6], y ∈ [4/15, 14/15]; the template fills exactly that box, so a crop built from its own
 * output is the same crop again.
 */
export function landmark203Standin(): StandinGraph {
  const g = new GraphBuilder('landmark203_standin');
  const input = g.input('input', [1, 3, 224, 224]);
  const at: Placement = { x0: 1 / 6, y0: 4 / 15, sx: 2 / 3, sy: 2 / 3 };
  const a = FACE.eyeHalfWidth;
  const means = regionMeans(g, input, 224, 28, [
    regionAround(FACE.eyeLeft, 1.3 * a, 0.8 * a, at, 1),
    regionAround(FACE.eyeRight, 1.3 * a, 0.8 * a, at, 1),
    regionAround(FACE.mouth, FACE.mouthHalfWidth, 0.06, at, 1),
  ]);
  const coefficients = g.op('Concat', [openings(g, means, [EYE_OPENING, EYE_OPENING, LIP_OPENING]), shift(g, input, 224, 0.5, 1, 0.005, 0x0f0007)], { axis: attr.i(1) });
  const points = landmarkGemm(g, coefficients, layout203(), at);
  // The first two outputs of the real model are not used by LivePortrait; they echo the leading values.
  g.op('Slice', [points, g.constInt64([0]), g.constInt64([214]), g.constInt64([1])], {}, 'output');
  g.output('output', [1, 214]);
  g.op('Slice', [points, g.constInt64([0]), g.constInt64([262]), g.constInt64([1])], {}, '853');
  g.output('853', [1, 262]);
  exportAs(g, points, '856', [1, 406]);
  return {
    graph: g,
    behaviour:
      "'856' = 203 points (x, y in [0, 1] of the crop) of a schematic face filling the crop's landmark box; eye ratios 0.05–0.45 follow the eye regions' brightness, the lip ratio 0.02–0.2 the mouth region's darkness; the face shifts ±0.005 with the image. 'output'/'853' repeat the leading values.",
  };
}

/** 106 points, fc1 in [−1, 1] of the 192 crop (whose central 2/3 is the detector box). Input raw 0–255. */
export function landmark106Standin(): StandinGraph {
  const g = new GraphBuilder('landmark106_standin');
  const input = g.input('data', [1, 3, 192, 192]);
  const at: Placement = { x0: -0.6, y0: -0.45, sx: 1.2, sy: 1.1 };
  const coefficients = shift(g, input, 192, 127.5, 1 / 255, 0.01, 0x0f0008);
  const points = landmarkGemm(g, coefficients, { base: layout106(), openings: [] }, at);
  exportAs(g, points, 'fc1', [1, 212]);
  return {
    graph: g,
    behaviour: 'fc1 = 106 points of a schematic face in [−1, 1] of the crop (eyes 33/35/39/40 and 87/89/93/94, mouth corners 52/61), shifted ±0.01 with the image.',
  };
}

/** 478 points (x, y in pixels of the 256 crop, z a dome in pixels). */
export function facemeshStandin(): StandinGraph {
  const g = new GraphBuilder('facemesh_standin');
  const input = g.input('input', [1, 3, 256, 256]);
  const at: Placement = { x0: 0.2 * 256, y0: 0.24 * 256, sx: 0.6 * 256, sy: 0.6 * 256 };
  const means = regionMeans(g, input, 256, 32, [regionAround(FACE.mouth, FACE.mouthHalfWidth, 0.06, at, 256)]);
  const coefficients = g.op('Concat', [openings(g, means, [LIP_OPENING]), shift(g, input, 256, 0.5, 1, 1, 0x0f0009)], { axis: attr.i(1) });
  const depth = ([u, v]: Point): number => -40 * Math.max(0, 1 - ((u - 0.5) ** 2 + (v - 0.5) ** 2) / 0.35);
  const points = landmarkGemm(g, coefficients, layout478(), at, depth);
  const landmarks = g.op('Reshape', [points, g.constInt64([1, 1, 1, 1434])]);
  exportAs(g, landmarks, 'Identity', [1, 1, 1, 1434]);
  // The real FaceLandmarker export also returns a face-presence score and a tongue-out flag.
  const presence = g.op('Reshape', [g.op('ReduceMean', [input], { keepdims: attr.i(0) }), g.constInt64([1, 1, 1, 1])]);
  exportAs(g, g.op('Sigmoid', [g.op('Mul', [presence, g.constFloat([20], [1])])]), 'Identity_1', [1, 1, 1, 1]);
  exportAs(g, g.op('Mul', [presence, g.constFloat([0], [1])]), 'Identity_2', [1, 1, 1, 1]);
  return {
    graph: g,
    behaviour:
      'Identity = 478 points (x, y in pixels of the 256 crop, z a dome) of a schematic face with irises 468/473 and inner lips 13/14; the lip opening follows the mouth region, the face shifts ±1 px with the image.',
  };
}
