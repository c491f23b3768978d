/**
 * Stand-ins for the appearance feature extractor (F) and the motion extractor (M).
 * F carries the picture itself in its feature volume so that a stand-in warp can visibly move it;
 * M reports pose, expression and keypoints that move with the image but stay in realistic ranges.
 */
import { GraphBuilder, attr } from '../builder.js';
import { SeededRandom } from '../random.js';
import { boundedHead, exportAs, pooledFeatures, scalar, type StandinGraph } from './graph-helpers.js';
import { canonicalKeypoints } from './face-layout.js';

/** Channels of the feature volume that hold the picture (RGB at 64×64, the same at every depth). */
export const PICTURE_CHANNELS = 3;
const CHANNELS = 32;
const DEPTH = 16;

export function appearanceStandin(): StandinGraph {
  const g = new GraphBuilder('appearance_feature_extractor_standin');
  const rng = new SeededRandom(0x0f0001);
  const img = g.input('img', [1, 3, 256, 256]);
  const picture = g.op('AveragePool', [img], { kernel_shape: attr.ints([4, 4]), strides: attr.ints([4, 4]) });
  const weights = new Float32Array(CHANNELS * 3);
  const bias = new Float32Array(CHANNELS);
  for (let c = 0; c < CHANNELS; c++) {
    for (let k = 0; k < 3; k++) weights[c * 3 + k] = c < PICTURE_CHANNELS ? Number(c === k) : rng.normal() * 0.5;
    bias[c] = c < PICTURE_CHANNELS ? 0 : rng.uniform(-0.2, 0.2);
  }
  const mixed = g.op('Conv', [picture, g.constFloat(weights, [CHANNELS, 3, 1, 1]), g.constFloat(bias, [CHANNELS])]);
  const volume = g.op('Unsqueeze', [mixed, g.constInt64([2])]);
  // Feature channels other than the picture vary along depth, like a real volume would.
  const profile = new Float32Array(CHANNELS * DEPTH);
  for (let c = 0; c < CHANNELS; c++) {
    const phase = rng.uniform(0, 2 * Math.PI);
    for (let d = 0; d < DEPTH; d++) profile[c * DEPTH + d] = c < PICTURE_CHANNELS ? 1 : 1 + 0.5 * Math.sin((2 * Math.PI * d) / DEPTH + phase);
  }
  g.op('Mul', [volume, g.constFloat(profile, [1, CHANNELS, DEPTH, 1, 1])], {}, 'output');
  g.output('output', [1, CHANNELS, DEPTH, 64, 64]);
  return {
    graph: g,
    behaviour:
      'output channels 0–2 = the input RGB averaged to 64×64 and repeated over depth 16; channels 3–31 = fixed 1×1 mixes of it modulated along depth.',
  };
}

const BINS = 66;
/** Spread of the pose logits in bins: wide enough that the softmax expectation is the centre exactly. */
const POSE_BIN_SPREAD = 2;
const MAX_DEGREES = 20;

export function motionStandin(): StandinGraph {
  const g = new GraphBuilder('motion_extractor_standin');
  const rng = new SeededRandom(0x0f0002);
  const img = g.input('img', [1, 3, 256, 256]);
  const features = pooledFeatures(g, img, 256, 8, 0.5);
  const canonical = canonicalKeypoints().flatMap(([x, y, z]) =>
    [x, y, z].map((v) => Math.max(-0.6, Math.min(0.6, v + rng.uniform(-0.02, 0.02)))),
  );
  // Pose heads give the centre bin c; the decoded angle 3·E[bin] − 97.5 is then 3c − 97.5.
  const centreBin = 97.5 / 3;
  const sizes = [3, 3, 63, 1, 63];
  const amplitude = [
    ...Array<number>(3).fill(MAX_DEGREES / 3),
    ...Array<number>(3).fill(0.05),
    ...Array<number>(63).fill(0.03),
    0.1,
    ...Array<number>(63).fill(0.02),
  ];
  const offset = [...Array<number>(3).fill(centreBin), 0, 0, 0, ...Array<number>(63).fill(0), 1.5, ...canonical];
  const head = boundedHead(g, features, 192, amplitude, offset, rng, 0.12);
  const [pose, t, exp, scale, kp] = g.opMulti('Split', [head, g.constInt64(sizes)], 5, { axis: attr.i(1) });

  const centres = g.op('Reshape', [pose, g.constInt64([1, 3, 1])]);
  const bins = g.constFloat(Array.from({ length: BINS }, (_, i) => i), [1, 1, BINS], 'bins');
  const diff = g.op('Sub', [bins, centres]);
  const logits = g.op('Mul', [g.op('Mul', [diff, diff]), scalar(g, -1 / (2 * POSE_BIN_SPREAD ** 2))]);
  const perAngle = g.opMulti('Split', [logits, g.constInt64([1, 1, 1])], 3, { axis: attr.i(1) });
  ['pitch', 'yaw', 'roll'].forEach((name, i) => {
    g.op('Reshape', [perAngle[i], g.constInt64([1, BINS])], {}, name);
    g.output(name, [1, BINS]);
  });
  const named: [string, string, number][] = [
    [t, 't', 3],
    [exp, 'exp', 63],
    [scale, 'scale', 1],
    [kp, 'kp', 63],
  ];
  for (const [tensor, name, size] of named) {
    exportAs(g, tensor, name, [1, size]);
  }
  return {
    graph: g,
    behaviour:
      'a seeded linear map of the 8×8-pooled image, tanh-bounded: pitch/yaw/roll logits = a Gaussian bump whose softmax expectation decodes to ±20°, t ±0.05, exp ±0.03, scale 1.5 ± 0.1, kp = a fixed 21-point face layout ± 0.02.',
  };
}
