/**
 * F, the appearance feature extractor (0.84 M parameters): 1×3×256×256 image → 1×32×16×64×64 feature
 * volume. Written like the published opset-16 export: every BatchNorm that follows a conv is folded into
 * it, the six pre-activation BatchNorms of the 3-D residual blocks stay BatchNormalization nodes.
 */
import type { ForgeContext } from './context.js';
import { RELU_GAIN, add, averagePool, batchNorm, conv, relu, reshape } from './layers.js';

const RESBLOCKS_3D = 6;
const FEATURE_CHANNELS = 32;
const FEATURE_DEPTH = 16;

/** SameBlock2d / DownBlock2d: conv (BatchNorm folded) → ReLU, then 2×2 average pooling for a down block. */
function convBnRelu(ctx: ForgeContext, x: string, name: string, cin: number, cout: number, pool: boolean): string {
  const y = relu(ctx, conv(ctx, x, `${name}.conv`, { cin, cout, kernel: [3, 3], pad: 1, gain: RELU_GAIN, foldedBatchNorm: true }));
  return pool ? averagePool(ctx, y, [2, 2]) : y;
}

/** Pre-activation ResBlock3d: BN → ReLU → conv (BN folded) → ReLU → conv, plus the input. */
function resBlock3d(ctx: ForgeContext, x: string, name: string, channels: number, outName?: string): string {
  return ctx.scope(name, () => {
    const pre = relu(ctx, batchNorm(ctx, x, 'norm1', channels));
    const mid = relu(ctx, conv(ctx, pre, 'conv1', { cin: channels, cout: channels, kernel: [3, 3, 3], pad: 1, gain: RELU_GAIN, foldedBatchNorm: true }));
    // The branch is added to a running sum; a smaller gain keeps six residual additions from growing the volume.
    const branch = conv(ctx, mid, 'conv2', { cin: channels, cout: channels, kernel: [3, 3, 3], pad: 1, gain: 0.5 });
    return add(ctx, branch, x, outName);
  });
}

/** Writes F into `graph` reading `img`; the result tensor is named `outName`. */
export function appearanceFeatureExtractor(ctx: ForgeContext, img: string, outName: string): string {
  let x = convBnRelu(ctx, img, 'first', 3, 64, false);
  x = convBnRelu(ctx, x, 'down_blocks.0', 64, 128, true);
  x = convBnRelu(ctx, x, 'down_blocks.1', 128, 256, true);
  x = conv(ctx, x, 'second', { cin: 256, cout: FEATURE_CHANNELS * FEATURE_DEPTH, kernel: [1, 1] });
  // 512 channels become 32 channels × depth 16 (source channel c·16 + d).
  x = reshape(ctx, x, [1, FEATURE_CHANNELS, FEATURE_DEPTH, 64, 64]);
  ctx.scope('resblocks_3d', () => {
    for (let i = 0; i < RESBLOCKS_3D; i++) x = resBlock3d(ctx, x, `3dr${i}`, FEATURE_CHANNELS, i === RESBLOCKS_3D - 1 ? outName : undefined);
  });
  return x;
}

export function buildAppearanceGraph(ctx: ForgeContext): void {
  const g = ctx.graph;
  const img = g.input('img', [1, 3, 256, 256]);
  appearanceFeatureExtractor(ctx, img, 'output');
  g.output('output', [1, FEATURE_CHANNELS, FEATURE_DEPTH, 64, 64]);
}
