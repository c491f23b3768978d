/**
 * Stand-ins for the warping module (W), the SPADE generator (G) and their fusion (warping_spade).
 * The warp is real: a keypoint-driven deformation field sampled with a 5-D GridSample, as in the trained
 * model, so the rendered picture moves with the driving keypoints. Fused and split graphs are built from
 * the same pieces and give the same image.
 */
import { GraphBuilder, attr } from '../builder.js';
import { SeededRandom } from '../random.js';
import { exportAs, scalar, type StandinGraph } from './graph-helpers.js';
import { PICTURE_CHANNELS } from './appearance-motion.js';

const GRID = 64;
const DEPTH = 16;
const CHANNELS = 32;
const WARPED_CHANNELS = 256;
const OUT_SIZE = 512;
/** Spatial reach of one keypoint's motion, in grid units ([−1, 1] across the volume). */
const KEYPOINT_SIGMA = 0.25;
/** Weight of "no motion": far from every keypoint the deformation falls back to the identity. */
const BACKGROUND_WEIGHT = 0.05;
/** GridSample opset of the real exports (5-D nodes at opset 16). */
const WARP_OPSET = 16;

/** The original's coordinate grid: 2·i/(n−1) − 1 (an align-corners grid, sampled with align_corners=0). */
function gridCoordinates(n: number): number[] {
  return Array.from({ length: n }, (_, i) => (2 * i) / (n - 1) - 1);
}

function keypointAxis(g: GraphBuilder, kp: string, axis: number): string {
  const column = g.op('Slice', [kp, g.constInt64([axis]), g.constInt64([axis + 1]), g.constInt64([2])]);
  return g.op('Reshape', [column, g.constInt64([1, 1, 1, 21])]);
}

/**
 * Dense motion: at each grid position p (driving frame) the source is sampled at
 * p + Σₖ wₖ(p)·(kp_sourceₖ − kp_drivingₖ) / (b + Σₖ wₖ(p)), wₖ a Gaussian around the driving keypoint
 * (x, y only). Returns the deformation (1×16×64×64×3, x/y/z order) and the keypoint coverage
 * Σw/(b+Σw) (1×64×64×1). Depth is not displaced, so the picture, constant over depth, is never faded
 * by sampling outside the volume.
 */
function denseMotion(g: GraphBuilder, kpSource: string, kpDriving: string): { deformation: string; coverage: string } {
  const coords = gridCoordinates(GRID);
  const dx = g.op('Sub', [g.constFloat(coords, [1, 1, GRID, 1], 'grid_x'), keypointAxis(g, kpDriving, 0)]);
  const dy = g.op('Sub', [g.constFloat(coords, [1, GRID, 1, 1], 'grid_y'), keypointAxis(g, kpDriving, 1)]);
  const dist2 = g.op('Add', [g.op('Mul', [dx, dx]), g.op('Mul', [dy, dy])]);
  const weights = g.op('Exp', [g.op('Mul', [dist2, scalar(g, -1 / (2 * KEYPOINT_SIGMA ** 2))])]);
  const weightSum = g.op('ReduceSum', [weights, g.constInt64([3])], { keepdims: attr.i(1) });
  const planarMotion = g.op('Mul', [g.op('Sub', [kpSource, kpDriving]), g.constFloat([1, 1, 0], [1, 1, 3])]);
  const flatWeights = g.op('Reshape', [weights, g.constInt64([1, GRID * GRID, 21])]);
  const motionSum = g.op('Reshape', [g.op('MatMul', [flatWeights, planarMotion]), g.constInt64([1, GRID, GRID, 3])]);
  const denominator = g.op('Add', [weightSum, scalar(g, BACKGROUND_WEIGHT)]);
  const flow = g.op('Unsqueeze', [g.op('Div', [motionSum, denominator]), g.constInt64([1])]);

  const unit = (axis: number): string => g.constFloat([0, 1, 2].map((i) => Number(i === axis)), [3], 'unit');
  const along = (shape: number[], n: number, axis: number): string =>
    g.op('Mul', [g.constFloat(gridCoordinates(n), shape, 'grid'), unit(axis)]);
  const identity = g.op('Add', [
    g.op('Add', [along([1, 1, 1, GRID, 1], GRID, 0), along([1, 1, GRID, 1, 1], GRID, 1)]),
    along([1, DEPTH, 1, 1, 1], DEPTH, 2),
  ]);
  return {
    deformation: g.op('Add', [identity, flow]),
    coverage: g.op('Div', [weightSum, denominator]),
  };
}

/** Warps a feature volume (real 5-D GridSample) and averages it over depth → 1×C×64×64. */
function warpVolume(g: GraphBuilder, feature: string, deformation: string): string {
  const sampled = g.op('GridSample', [feature, deformation], {
    mode: attr.s('bilinear'),
    padding_mode: attr.s('zeros'),
    align_corners: attr.i(0),
  });
  // The grid's first and last depth planes sit half outside the volume under align_corners=0 sampling
  // (zero padding), so only the inner planes are averaged: the picture keeps its brightness.
  const inner = g.op('Slice', [sampled, g.constInt64([1]), g.constInt64([DEPTH - 1]), g.constInt64([2])]);
  return g.op('ReduceMean', [inner], { axes: attr.ints([2]), keepdims: attr.i(0) });
}

/** 1×1 mix 32 → 256 channels; channels 0–2 pass the picture through unchanged. */
function mixChannels(g: GraphBuilder, warped: string): string {
  const rng = new SeededRandom(0x0f0003);
  const weights = new Float32Array(WARPED_CHANNELS * CHANNELS);
  for (let o = 0; o < WARPED_CHANNELS; o++) {
    for (let i = 0; i < CHANNELS; i++) {
      weights[o * CHANNELS + i] = o < PICTURE_CHANNELS ? Number(o === i) : rng.normal() * 0.2;
    }
  }
  return g.op('Conv', [warped, g.constFloat(weights, [WARPED_CHANNELS, CHANNELS, 1, 1], 'mix_w')]);
}

function pictureChannels(g: GraphBuilder, feature: string): string {
  return g.op('Slice', [feature, g.constInt64([0]), g.constInt64([PICTURE_CHANNELS]), g.constInt64([1])]);
}

/** Renders the picture channels to 1×3×512×512 in [0, 1]. */
function render(g: GraphBuilder, feature: string, outName: string): void {
  const picture = pictureChannels(g, feature);
  const resized = g.op('Resize', [picture, '', '', g.constInt64([1, PICTURE_CHANNELS, OUT_SIZE, OUT_SIZE])], {
    mode: attr.s('linear'),
    coordinate_transformation_mode: attr.s('half_pixel'),
  });
  g.op('Clip', [resized, scalar(g, 0), scalar(g, 1)], {}, outName);
  g.output(outName, [1, 3, OUT_SIZE, OUT_SIZE]);
}

const FEATURE_SHAPE = [1, CHANNELS, DEPTH, GRID, GRID];

export function warpingSpadeStandin(): StandinGraph {
  const g = new GraphBuilder('warping_spade_standin');
  const feature = g.input('feature_3d', FEATURE_SHAPE);
  const kpDriving = g.input('kp_driving', [1, 21, 3]);
  const kpSource = g.input('kp_source', [1, 21, 3]);
  const { deformation } = denseMotion(g, kpSource, kpDriving);
  // Only the picture channels reach the image, so only they are warped (GridSample works per channel:
  // the result equals the split pair's, at a tenth of the cost).
  render(g, warpVolume(g, pictureChannels(g, feature), deformation), 'out');
  return {
    graph: g,
    opset: WARP_OPSET,
    behaviour:
      'channels 0–2 of feature_3d (the picture) warped by a 5-D GridSample along a Gaussian-weighted keypoint flow (kp_source − kp_driving), averaged over depth, resized to 512 and clipped: a blurry source crop that moves with the keypoints.',
  };
}

export function warpingStandin(): StandinGraph {
  const g = new GraphBuilder('warping_module_standin');
  const feature = g.input('feature_3d', FEATURE_SHAPE);
  const kpSource = g.input('kp_source', [1, 21, 3]);
  const kpDriving = g.input('kp_driving', [1, 21, 3]);
  const { deformation, coverage } = denseMotion(g, kpSource, kpDriving);
  exportAs(g, mixChannels(g, warpVolume(g, feature, deformation)), 'out', [1, WARPED_CHANNELS, GRID, GRID]);
  g.op('Reshape', [coverage, g.constInt64([1, 1, GRID, GRID])], {}, 'occlusion_map');
  g.output('occlusion_map', [1, 1, GRID, GRID]);
  exportAs(g, deformation, 'deformation', [1, DEPTH, GRID, GRID, 3]);
  return {
    graph: g,
    opset: WARP_OPSET,
    behaviour:
      'feature_3d warped by a 5-D GridSample along a Gaussian-weighted keypoint flow, averaged over depth and mixed to 256 channels (0–2 = the warped picture); occlusion_map = keypoint coverage (not applied to out); deformation = the sampling grid.',
  };
}

export function spadeGeneratorStandin(): StandinGraph {
  const g = new GraphBuilder('spade_generator_standin');
  const feature = g.input('feature', [1, WARPED_CHANNELS, GRID, GRID]);
  render(g, feature, 'out');
  return {
    graph: g,
    behaviour: 'channels 0–2 of the warped feature resized to 512×512 (linear) and clipped to [0, 1].',
  };
}
