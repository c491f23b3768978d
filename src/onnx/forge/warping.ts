/**
 * W, the warping module (45.53 M parameters): dense-motion network (compress, 22 sparse motions,
 * GridSample #1, Gaussian heatmaps, 3-D hourglass, 22-way softmax mask, occlusion), GridSample #2 of the
 * feature volume with the resulting deformation, and the 2-D head. Every BatchNorm follows a conv and is
 * folded into it, as the export does. Both GridSamples are 5-D opset-16 'bilinear' (trilinear),
 * align_corners 0, zeros padding — what the FasterLivePortrait export contains.
 */
import { attr } from '../builder.js';
import type { ForgeContext } from './context.js';
import { identityGrid } from './grid.js';
import {
  RELU_GAIN,
  averagePool,
  concat,
  conv,
  leakyGain,
  leakyRelu,
  mul,
  reduceSum,
  relu,
  reshape,
  resizeNearestScales,
  sigmoid,
  sub,
  add,
  unsqueeze,
} from './layers.js';

const NUM_KP = 21;
const SLOTS = NUM_KP + 1;
const FEATURE_CHANNELS = 32;
const D = 16;
const H = 64;
const W = 64;
const COMPRESS = 4;
const BLOCK_EXPANSION = 32;
const MAX_FEATURES = 1024;
const HOURGLASS_BLOCKS = 5;
const KP_VARIANCE = 0.01;

export const FEATURE_3D_SHAPE = [1, FEATURE_CHANNELS, D, H, W] as const;
export const WARPED_FEATURE_SHAPE = [1, 256, H, W] as const;
export const OCCLUSION_SHAPE = [1, 1, H, W] as const;
export const DEFORMATION_SHAPE = [1, D, H, W, 3] as const;

function gridSample(ctx: ForgeContext, input: string, grid: string, outName?: string): string {
  return ctx.graph.op(
    'GridSample',
    [input, grid],
    { align_corners: attr.i(0), mode: attr.s('bilinear'), padding_mode: attr.s('zeros') },
    outName,
  );
}

/** Conv3d k3 p1 → BatchNorm3d (folded) → ReLU. */
function conv3dBnRelu(ctx: ForgeContext, x: string, cin: number, cout: number): string {
  return relu(ctx, conv(ctx, x, 'conv', { cin, cout, kernel: [3, 3, 3], pad: 1, gain: RELU_GAIN, foldedBatchNorm: true }));
}

/** 3-D U-Net; depth is never pooled. Returns the decoder output, block_expansion + in_features channels. */
function hourglass(ctx: ForgeContext, x: string, inFeatures: number): { out: string; channels: number } {
  const width = (i: number) => Math.min(MAX_FEATURES, BLOCK_EXPANSION * 2 ** i);
  const skips = [x];
  ctx.scope('encoder', () => {
    for (let i = 0; i < HOURGLASS_BLOCKS; i++) {
      const cin = i === 0 ? inFeatures : width(i);
      const y = ctx.scope(`down_blocks.${i}`, () => averagePool(ctx, conv3dBnRelu(ctx, skips[skips.length - 1], cin, width(i + 1)), [1, 2, 2]));
      skips.push(y);
    }
  });
  const channels = BLOCK_EXPANSION + inFeatures;
  const out = ctx.scope('decoder', () => {
    let y = skips.pop() as string;
    let upIndex = 0;
    for (let i = HOURGLASS_BLOCKS - 1; i >= 0; i--) {
      const cin = (i === HOURGLASS_BLOCKS - 1 ? 1 : 2) * width(i + 1);
      y = ctx.scope(`up_blocks.${upIndex++}`, () => conv3dBnRelu(ctx, resizeNearestScales(ctx, y, [1, 1, 1, 2, 2]), cin, width(i)));
      y = concat(ctx, [y, skips.pop() as string], 1);
    }
    return relu(ctx, conv(ctx, y, 'conv', { cin: channels, cout: channels, kernel: [3, 3, 3], pad: 1, gain: RELU_GAIN, foldedBatchNorm: true }));
  });
  return { out, channels };
}

/** exp(−½‖grid − kp‖²/variance) per keypoint: 1×21×D×H×W. */
function gaussians(ctx: ForgeContext, grid: string, keypoints6d: string): string {
  const diff = sub(ctx, grid, keypoints6d);
  const squared = reduceSum(ctx, ctx.graph.op('Pow', [diff, ctx.scalar(2)]), [-1], false);
  const scaled = ctx.graph.op('Div', [mul(ctx, squared, ctx.scalar(-0.5)), ctx.scalar(KP_VARIANCE)]);
  return ctx.graph.op('Exp', [scaled]);
}

export interface WarpingTensors {
  readonly out: string;
  readonly occlusionMap: string;
  readonly deformation: string;
}

export interface WarpingNames {
  readonly out?: string;
  readonly occlusionMap?: string;
  readonly deformation?: string;
}

/** Writes W reading the three named inputs. */
export function warpingModule(
  ctx: ForgeContext,
  inputs: { feature3d: string; kpDriving: string; kpSource: string },
  names: WarpingNames = {},
): WarpingTensors {
  const g = ctx.graph;
  const { feature3d, kpDriving, kpSource } = inputs;
  const { deformation, occlusionMap } = ctx.scope('dense_motion_network', () => {
    const compressed = relu(ctx, conv(ctx, feature3d, 'compress', { cin: FEATURE_CHANNELS, cout: COMPRESS, kernel: [1, 1, 1], gain: RELU_GAIN, foldedBatchNorm: true }));

    // Sparse motions: slot 0 the grid itself, slot k the grid moved by kp_source[k] − kp_driving[k].
    const grid = g.constFloat(identityGrid(D, H, W), [1, 1, D, H, W, 3], 'identity_grid');
    const kpd = reshape(ctx, kpDriving, [1, NUM_KP, 1, 1, 1, 3]);
    const kps = reshape(ctx, kpSource, [1, NUM_KP, 1, 1, 1, 3]);
    const sparseMotions = concat(ctx, [grid, add(ctx, sub(ctx, grid, kpd), kps)], 1); // 1×22×D×H×W×3

    // GridSample #1: the compressed volume repeated for every slot, sampled with that slot's motion.
    const repeated = g.op('Expand', [unsqueeze(ctx, compressed, [1]), ctx.int64([1, SLOTS, COMPRESS, D, H, W])]);
    const sampled = gridSample(ctx, reshape(ctx, repeated, [SLOTS, COMPRESS, D, H, W]), reshape(ctx, sparseMotions, [SLOTS, D, H, W, 3]));
    const deformed = reshape(ctx, sampled, [1, SLOTS, COMPRESS, D, H, W]);

    // Heatmaps: driving Gaussian minus source Gaussian, with an all-zero slot 0.
    const heat = sub(ctx, gaussians(ctx, grid, kpd), gaussians(ctx, grid, kps));
    const zeros = g.op('ConstantOfShape', [ctx.int64([1, 1, D, H, W])], {
      value: attr.t({ dims: [1], dataType: 1, rawData: new Uint8Array(4) }),
    });
    const heatmaps = unsqueeze(ctx, concat(ctx, [zeros, heat], 1), [2]); // 1×22×1×D×H×W

    const inFeatures = SLOTS * (COMPRESS + 1);
    const hourglassInput = reshape(ctx, concat(ctx, [heatmaps, deformed], 2), [1, inFeatures, D, H, W]);
    const { out: prediction, channels } = ctx.scope('hourglass', () => hourglass(ctx, hourglassInput, inFeatures));

    const mask = g.op('Softmax', [conv(ctx, prediction, 'mask', { cin: channels, cout: SLOTS, kernel: [7, 7, 7], pad: 3 })], { axis: attr.i(1) });
    const weighted = mul(ctx, sparseMotions, unsqueeze(ctx, mask, [5]));
    const deformation = reduceSum(ctx, weighted, [1], false, names.deformation);

    const flat = reshape(ctx, prediction, [1, channels * D, H, W]);
    const occlusionLogits = conv(ctx, flat, 'occlusion', { cin: channels * D, cout: 1, kernel: [7, 7], pad: 3 });
    return { deformation, occlusionMap: sigmoid(ctx, occlusionLogits, names.occlusionMap) };
  });

  // GridSample #2: the uncompressed feature volume warped by the deformation, then the 2-D head.
  const warped = reshape(ctx, gridSample(ctx, feature3d, deformation), [1, FEATURE_CHANNELS * D, H, W]);
  const third = leakyRelu(
    ctx,
    conv(ctx, warped, 'third.conv', { cin: FEATURE_CHANNELS * D, cout: 256, kernel: [3, 3], pad: 1, gain: leakyGain(0.01), foldedBatchNorm: true }),
    0.01,
  );
  const fourth = conv(ctx, third, 'fourth', { cin: 256, cout: 256, kernel: [1, 1] });
  return { out: mul(ctx, fourth, occlusionMap, names.out), occlusionMap, deformation };
}

export function buildWarpingGraph(ctx: ForgeContext): void {
  const g = ctx.graph;
  const feature3d = g.input('feature_3d', FEATURE_3D_SHAPE);
  const kpSource = g.input('kp_source', [1, NUM_KP, 3]);
  const kpDriving = g.input('kp_driving', [1, NUM_KP, 3]);
  ctx.scope('warping_module', () =>
    warpingModule(ctx, { feature3d, kpDriving, kpSource }, { out: 'out', occlusionMap: 'occlusion_map', deformation: 'deformation' }),
  );
  g.output('out', WARPED_FEATURE_SHAPE);
  g.output('occlusion_map', OCCLUSION_SHAPE);
  g.output('deformation', DEFORMATION_SHAPE);
}
