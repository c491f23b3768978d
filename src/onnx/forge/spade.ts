/**
 * G, the SPADE generator (55.37 M parameters): W's 1×256×64×64 output is both the input and the SPADE
 * segmentation map. 3×3 conv 256→512, six SPADE residual blocks at 64², nearest ×2, block 512→256 at
 * 128², nearest ×2, block 256→64 at 256², LeakyReLU 0.2, conv 64→12, PixelShuffle ×2 (DepthToSpace
 * CRD) to 512², sigmoid. Spectral norm is folded into plain conv weights, as in the export.
 */
import { attr } from '../builder.js';
import type { ForgeContext } from './context.js';
import { INSTANCE_NORM_EPS, RELU_GAIN, add, conv, leakyGain, leakyRelu, relu, resizeNearestScales, resizeNearestSizes, sigmoid } from './layers.js';

const SEG_CHANNELS = 256;
const SPADE_HIDDEN = 128;
const MIDDLE_BLOCKS = 6;
const LRELU_SLOPE = 0.2;

export const SPADE_INPUT_SHAPE = [1, SEG_CHANNELS, 64, 64] as const;
export const IMAGE_SHAPE = [1, 3, 512, 512] as const;

interface Activation {
  readonly tensor: string;
  readonly channels: number;
  /** Spatial side (square). */
  readonly size: number;
}

/** InstanceNorm without affine: the node's required scale/shift inputs are shared ones/zeros (not parameters). */
function instanceNorm(ctx: ForgeContext, x: Activation): string {
  const ones = ctx.sharedFloat(`ones:${x.channels}`, () => ({ data: new Float32Array(x.channels).fill(1), dims: [x.channels] }));
  const zeros = ctx.sharedFloat(`zeros:${x.channels}`, () => ({ data: new Float32Array(x.channels), dims: [x.channels] }));
  return ctx.graph.op('InstanceNormalization', [x.tensor, ones, zeros], { epsilon: attr.f(INSTANCE_NORM_EPS) });
}

/** SPADE modulation of an already instance-normalised tensor: IN(x)·(1 + γ(seg)) + β(seg). */
function spade(ctx: ForgeContext, name: string, normalized: string, x: Activation, seg: string): string {
  return ctx.scope(name, () => {
    const resized = resizeNearestSizes(ctx, seg, [1, SEG_CHANNELS, x.size, x.size]);
    const actv = relu(ctx, conv(ctx, resized, 'mlp_shared.0', { cin: SEG_CHANNELS, cout: SPADE_HIDDEN, kernel: [3, 3], pad: 1, gain: RELU_GAIN }));
    // γ and β are kept small so the modulation stays near IN(x) as in a trained SPADE.
    const gamma = conv(ctx, actv, 'mlp_gamma', { cin: SPADE_HIDDEN, cout: x.channels, kernel: [3, 3], pad: 1, gain: 0.3 });
    const beta = conv(ctx, actv, 'mlp_beta', { cin: SPADE_HIDDEN, cout: x.channels, kernel: [3, 3], pad: 1, gain: 0.3 });
    return add(ctx, ctx.graph.op('Mul', [normalized, add(ctx, gamma, ctx.scalar(1))]), beta);
  });
}

/** SPADE residual block fin → fout; learned shortcut (SPADE + bias-free 1×1 conv) when they differ. */
function spadeResBlock(ctx: ForgeContext, name: string, x: Activation, seg: string, fout: number): Activation {
  const fmid = Math.min(x.channels, fout);
  return ctx.scope(name, () => {
    // norm_s and norm_0 normalise the same input: one InstanceNormalization serves both, as in the export.
    const normalizedX = instanceNorm(ctx, x);
    const shortcut =
      x.channels === fout
        ? x.tensor
        : conv(ctx, spade(ctx, 'norm_s', normalizedX, x, seg), 'conv_s', { cin: x.channels, cout: fout, kernel: [1, 1], bias: false });
    const gain = leakyGain(LRELU_SLOPE);
    const h0 = conv(ctx, leakyRelu(ctx, spade(ctx, 'norm_0', normalizedX, x, seg), LRELU_SLOPE), 'conv_0', { cin: x.channels, cout: fmid, kernel: [3, 3], pad: 1, gain });
    const mid: Activation = { tensor: h0, channels: fmid, size: x.size };
    // The last conv of the branch feeds a residual sum: a smaller gain keeps eight additions in range.
    const h1 = conv(ctx, leakyRelu(ctx, spade(ctx, 'norm_1', instanceNorm(ctx, mid), mid, seg), LRELU_SLOPE), 'conv_1', {
      cin: fmid,
      cout: fout,
      kernel: [3, 3],
      pad: 1,
      gain: 0.5,
    });
    return { tensor: add(ctx, shortcut, h1), channels: fout, size: x.size };
  });
}

function upsample(ctx: ForgeContext, x: Activation): Activation {
  return { tensor: resizeNearestScales(ctx, x.tensor, [1, 1, 2, 2]), channels: x.channels, size: 2 * x.size };
}

/** Writes G reading `feature` (1×256×64×64); the image tensor is named `outName`. */
export function spadeGenerator(ctx: ForgeContext, feature: string, outName: string): string {
  const seg = feature;
  let x: Activation = {
    tensor: conv(ctx, feature, 'fc', { cin: SEG_CHANNELS, cout: 2 * SEG_CHANNELS, kernel: [3, 3], pad: 1 }),
    channels: 2 * SEG_CHANNELS,
    size: 64,
  };
  for (let i = 0; i < MIDDLE_BLOCKS; i++) x = spadeResBlock(ctx, `G_middle_${i}`, x, seg, 2 * SEG_CHANNELS);
  x = spadeResBlock(ctx, 'up_0', upsample(ctx, x), seg, SEG_CHANNELS);
  x = spadeResBlock(ctx, 'up_1', upsample(ctx, x), seg, 64);
  const logits = conv(ctx, leakyRelu(ctx, x.tensor, LRELU_SLOPE), 'conv_img.0', { cin: 64, cout: 12, kernel: [3, 3], pad: 1, gain: 1 });
  const image = ctx.graph.op('DepthToSpace', [logits], { blocksize: attr.i(2), mode: attr.s('CRD') });
  return sigmoid(ctx, image, outName);
}

export function buildSpadeGraph(ctx: ForgeContext): void {
  const g = ctx.graph;
  const feature = g.input('feature', SPADE_INPUT_SHAPE);
  ctx.scope('spade_generator', () => spadeGenerator(ctx, feature, 'out'));
  g.output('out', IMAGE_SHAPE);
}
