/**
 * M, the motion extractor: ConvNeXt-V2 tiny (depths 3/3/9/3, widths 96/192/384/768, no layer scale)
 * with global average pooling, a final LayerNorm and seven linear heads (28.12 M parameters).
 * Input 1×3×256×256 in [0, 1]; outputs in the FasterLivePortrait order pitch, yaw, roll, t, exp, scale, kp.
 */
import { attr } from '../builder.js';
import type { ForgeContext } from './context.js';
import { RELU_GAIN, add, conv, gelu, gemm, layerNorm, linear, mul, transpose } from './layers.js';

const DEPTHS = [3, 3, 9, 3] as const;
const DIMS = [96, 192, 384, 768] as const;
const GRN_EPS = 1e-6;

/** Heads in declaration order of the PyTorch module, with their output widths and graph output names. */
export const MOTION_HEADS = [
  { module: 'fc_kp', output: 'kp', size: 63 },
  { module: 'fc_scale', output: 'scale', size: 1 },
  { module: 'fc_pitch', output: 'pitch', size: 66 },
  { module: 'fc_yaw', output: 'yaw', size: 66 },
  { module: 'fc_roll', output: 'roll', size: 66 },
  { module: 'fc_t', output: 't', size: 3 },
  { module: 'fc_exp', output: 'exp', size: 63 },
] as const;

/** Graph output order of the FasterLivePortrait export. */
export const MOTION_OUTPUT_ORDER = ['pitch', 'yaw', 'roll', 't', 'exp', 'scale', 'kp'] as const;

/** Global response normalisation over the spatial axes of an NHWC tensor. */
function grn(ctx: ForgeContext, x: string, channels: number): string {
  const g = ctx.graph;
  return ctx.scope('grn', () => {
    const gx = g.op('ReduceL2', [x], { axes: attr.ints([1, 2]), keepdims: attr.i(1) });
    const meanG = g.op('ReduceMean', [gx], { axes: attr.ints([-1]), keepdims: attr.i(1) });
    const nx = g.op('Div', [gx, add(ctx, meanG, ctx.scalar(GRN_EPS))]);
    const gamma = ctx.parameter('gamma', ctx.random.uniformArray(channels, -0.1, 0.1), [1, 1, 1, channels]);
    const beta = ctx.parameter('beta', ctx.random.uniformArray(channels, -0.1, 0.1), [1, 1, 1, channels]);
    return add(ctx, add(ctx, mul(ctx, gamma, mul(ctx, x, nx)), beta), x);
  });
}

/** One ConvNeXt-V2 block (shape-preserving). */
function block(ctx: ForgeContext, x: string, name: string, channels: number): string {
  return ctx.scope(name, () => {
    let y = conv(ctx, x, 'dwconv', { cin: channels, cout: channels, kernel: [7, 7], pad: 3, groups: channels });
    y = transpose(ctx, y, [0, 2, 3, 1]);
    y = layerNorm(ctx, y, 'norm', -1, [channels]);
    y = gelu(ctx, linear(ctx, y, 'pwconv1', channels, 4 * channels, RELU_GAIN));
    y = grn(ctx, y, 4 * channels);
    // Residual branch: a smaller gain keeps 18 additions from growing the activations much.
    y = linear(ctx, y, 'pwconv2', 4 * channels, channels, 0.5);
    y = transpose(ctx, y, [0, 3, 1, 2]);
    return add(ctx, x, y);
  });
}

export function buildMotionGraph(ctx: ForgeContext): void {
  const g = ctx.graph;
  let x = g.input('img', [1, 3, 256, 256]);
  for (let stage = 0; stage < DEPTHS.length; stage++) {
    const width = DIMS[stage];
    x = ctx.scope(`downsample_layers.${stage}`, () => {
      if (stage === 0) {
        const stem = conv(ctx, x, '0', { cin: 3, cout: width, kernel: [4, 4], stride: 4 });
        return layerNorm(ctx, stem, '1', 1, [width, 1, 1]);
      }
      const normed = layerNorm(ctx, x, '0', 1, [DIMS[stage - 1], 1, 1]);
      return conv(ctx, normed, '1', { cin: DIMS[stage - 1], cout: width, kernel: [2, 2], stride: 2 });
    });
    x = ctx.scope(`stages.${stage}`, () => {
      let y = x;
      for (let i = 0; i < DEPTHS[stage]; i++) y = block(ctx, y, String(i), width);
      return y;
    });
  }
  const pooled = g.op('ReduceMean', [x], { axes: attr.ints([-2, -1]), keepdims: attr.i(0) });
  const features = layerNorm(ctx, pooled, 'norm', -1, [DIMS[3]]);
  for (const head of MOTION_HEADS) gemm(ctx, features, head.module, DIMS[3], head.size, head.output);
  const sizes = new Map<string, number>(MOTION_HEADS.map((h) => [h.output, h.size]));
  for (const name of MOTION_OUTPUT_ORDER) g.output(name, [1, sizes.get(name) as number]);
}
