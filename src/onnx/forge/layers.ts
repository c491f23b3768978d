/**
 * Layers shared by the forged networks, written as the opset-16 PyTorch export writes them.
 * Weights are drawn uniform with fan-in scaling (Kaiming-like): with `gain` √2 in front of a ReLU the
 * activation variance is kept layer to layer, so graphs with random weights stay numerically sane.
 */
import { attr } from '../builder.js';
import type { ForgeContext } from './context.js';

/** Init gain for a layer followed by ReLU. */
export const RELU_GAIN = Math.SQRT2;
/** Init gain for a layer followed by LeakyReLU with the given slope. */
export const leakyGain = (slope: number): number => Math.sqrt(2 / (1 + slope * slope));

export const BATCH_NORM_EPS = 1e-5;
export const INSTANCE_NORM_EPS = 1e-5;
export const LAYER_NORM_EPS = 1e-6;

function product(values: readonly number[]): number {
  return values.reduce((a, b) => a * b, 1);
}

/** Uniform weights with bound gain·√(3/fanIn): standard deviation gain/√fanIn. */
export function fanInUniform(ctx: ForgeContext, count: number, fanIn: number, gain: number): Float32Array {
  const bound = gain * Math.sqrt(3 / fanIn);
  return ctx.random.uniformArray(count, -bound, bound);
}

export interface ConvSpec {
  readonly cin: number;
  readonly cout: number;
  /** Kernel size per spatial axis (its length is the spatial rank: 2 or 3). */
  readonly kernel: readonly number[];
  readonly stride?: number;
  readonly pad?: number;
  readonly groups?: number;
  /** False for the bias-free convs (SPADE shortcut). */
  readonly bias?: boolean;
  /** Init gain (see RELU_GAIN); 1 for a conv with no activation after it. */
  readonly gain?: number;
  /**
   * The PyTorch module has a BatchNorm right after this conv that the export folds into the conv's
   * weight and bias: the graph has a plain Conv, the BatchNorm's affine parameters still count.
   */
  readonly foldedBatchNorm?: boolean;
  readonly outName?: string;
}

/** Conv (any spatial rank), weights named `<scope>.weight` / `<scope>.bias`. */
export function conv(ctx: ForgeContext, x: string, name: string, spec: ConvSpec): string {
  const rank = spec.kernel.length;
  const groups = spec.groups ?? 1;
  const fanIn = (spec.cin / groups) * product(spec.kernel);
  const wDims = [spec.cout, spec.cin / groups, ...spec.kernel];
  return ctx.scope(name, () => {
    const weight = ctx.parameter('weight', fanInUniform(ctx, product(wDims), fanIn, spec.gain ?? 1), wDims);
    const inputs = [x, weight];
    if (spec.bias !== false) {
      // PyTorch's default bias bound 1/√fanIn.
      inputs.push(ctx.parameter('bias', fanInUniform(ctx, spec.cout, fanIn, 1 / Math.sqrt(3)), [spec.cout]));
    }
    if (spec.foldedBatchNorm) ctx.countFolded(2 * spec.cout);
    const stride = spec.stride ?? 1;
    const pad = spec.pad ?? 0;
    return ctx.graph.op(
      'Conv',
      inputs,
      {
        dilations: attr.ints(new Array(rank).fill(1)),
        group: attr.i(groups),
        kernel_shape: attr.ints(spec.kernel),
        pads: attr.ints(new Array(2 * rank).fill(pad)),
        strides: attr.ints(new Array(rank).fill(stride)),
      },
      spec.outName,
    );
  });
}

/**
 * An eval-mode BatchNormalization node kept in the graph (F's pre-activation norms): affine scale near 1
 * and a small shift (counted), running mean 0 and variance 1 (buffers, not counted).
 */
export function batchNorm(ctx: ForgeContext, x: string, name: string, channels: number): string {
  return ctx.scope(name, () => {
    const weight = ctx.parameter('weight', ctx.random.uniformArray(channels, 0.8, 1.2), [channels]);
    const bias = ctx.parameter('bias', ctx.random.uniformArray(channels, -0.1, 0.1), [channels]);
    const mean = ctx.buffer('running_mean', new Float32Array(channels), [channels]);
    const variance = ctx.buffer('running_var', new Float32Array(channels).fill(1), [channels]);
    return ctx.graph.op('BatchNormalization', [x, weight, bias, mean, variance], {
      epsilon: attr.f(BATCH_NORM_EPS),
      momentum: attr.f(0.9),
      training_mode: attr.i(0),
    });
  });
}

export const relu = (ctx: ForgeContext, x: string): string => ctx.graph.op('Relu', [x]);
export const leakyRelu = (ctx: ForgeContext, x: string, slope: number): string => ctx.graph.op('LeakyRelu', [x], { alpha: attr.f(slope) });
export const sigmoid = (ctx: ForgeContext, x: string, outName?: string): string => ctx.graph.op('Sigmoid', [x], {}, outName);
export const add = (ctx: ForgeContext, a: string, b: string, outName?: string): string => ctx.graph.op('Add', [a, b], {}, outName);
export const mul = (ctx: ForgeContext, a: string, b: string, outName?: string): string => ctx.graph.op('Mul', [a, b], {}, outName);
export const sub = (ctx: ForgeContext, a: string, b: string): string => ctx.graph.op('Sub', [a, b]);
export const reshape = (ctx: ForgeContext, x: string, shape: readonly number[]): string =>
  ctx.graph.op('Reshape', [x, ctx.int64(shape)], { allowzero: attr.i(0) });
export const transpose = (ctx: ForgeContext, x: string, perm: readonly number[]): string => ctx.graph.op('Transpose', [x], { perm: attr.ints(perm) });
export const concat = (ctx: ForgeContext, xs: readonly string[], axis: number): string => ctx.graph.op('Concat', xs, { axis: attr.i(axis) });
export const unsqueeze = (ctx: ForgeContext, x: string, axes: readonly number[]): string => ctx.graph.op('Unsqueeze', [x, ctx.int64(axes)]);
export const reduceSum = (ctx: ForgeContext, x: string, axes: readonly number[], keepdims: boolean, outName?: string): string =>
  ctx.graph.op('ReduceSum', [x, ctx.int64(axes)], { keepdims: attr.i(keepdims ? 1 : 0) }, outName);

/** AveragePool with kernel = stride (2×2, or 1×2×2 for volumes), as the export writes it. */
export function averagePool(ctx: ForgeContext, x: string, kernel: readonly number[]): string {
  return ctx.graph.op('AveragePool', [x], {
    ceil_mode: attr.i(0),
    count_include_pad: attr.i(1),
    kernel_shape: attr.ints(kernel),
    pads: attr.ints(new Array(2 * kernel.length).fill(0)),
    strides: attr.ints(kernel),
  });
}

const NEAREST = {
  coordinate_transformation_mode: attr.s('asymmetric'),
  mode: attr.s('nearest'),
  nearest_mode: attr.s('floor'),
};

/** Nearest upsampling by integer factors per axis (PyTorch `F.interpolate(scale_factor=…)`). */
export function resizeNearestScales(ctx: ForgeContext, x: string, scales: readonly number[]): string {
  return ctx.graph.op('Resize', [x, '', ctx.sharedFloat(`scales:${scales.join(',')}`, () => ({ data: Float32Array.from(scales), dims: [scales.length] }))], NEAREST);
}

/** Nearest resizing to a fixed size (PyTorch `F.interpolate(size=…)`). */
export function resizeNearestSizes(ctx: ForgeContext, x: string, sizes: readonly number[]): string {
  return ctx.graph.op('Resize', [x, '', '', ctx.int64(sizes)], NEAREST);
}

/**
 * LayerNorm over one axis in the opset-16 decomposition (ReduceMean, Sub, Pow, ReduceMean, Add, Sqrt,
 * Div, Mul, Add). `affineShape` is the shape of the scale/shift tensors: [C] for the last axis,
 * [C, 1, 1] for ConvNeXt's channels-first norm on NCHW.
 */
export function layerNorm(ctx: ForgeContext, x: string, name: string, axis: number, affineShape: readonly number[]): string {
  const g = ctx.graph;
  const channels = product(affineShape);
  return ctx.scope(name, () => {
    const mean = g.op('ReduceMean', [x], { axes: attr.ints([axis]), keepdims: attr.i(1) });
    const centred = sub(ctx, x, mean);
    const squared = g.op('Pow', [centred, ctx.scalar(2)]);
    const variance = g.op('ReduceMean', [squared], { axes: attr.ints([axis]), keepdims: attr.i(1) });
    const std = g.op('Sqrt', [add(ctx, variance, ctx.scalar(LAYER_NORM_EPS))]);
    const normalized = g.op('Div', [centred, std]);
    const weight = ctx.parameter('weight', ctx.random.uniformArray(channels, 0.8, 1.2), affineShape);
    const bias = ctx.parameter('bias', ctx.random.uniformArray(channels, -0.1, 0.1), affineShape);
    return add(ctx, mul(ctx, normalized, weight), bias);
  });
}

/** PyTorch Linear on the last axis of an N-D tensor: MatMul with the transposed weight, then Add. */
export function linear(ctx: ForgeContext, x: string, name: string, fin: number, fout: number, gain = 1): string {
  return ctx.scope(name, () => {
    const weight = ctx.parameter('weight', fanInUniform(ctx, fin * fout, fin, gain), [fin, fout]);
    const bias = ctx.parameter('bias', fanInUniform(ctx, fout, fin, 1 / Math.sqrt(3)), [fout]);
    return add(ctx, ctx.graph.op('MatMul', [x, weight]), bias);
  });
}

/** PyTorch Linear on a 1×fin vector as the export writes it: one Gemm with transB. */
export function gemm(ctx: ForgeContext, x: string, name: string, fin: number, fout: number, outName?: string): string {
  return ctx.scope(name, () => {
    const weight = ctx.parameter('weight', fanInUniform(ctx, fin * fout, fin, 1), [fout, fin]);
    const bias = ctx.parameter('bias', fanInUniform(ctx, fout, fin, 1 / Math.sqrt(3)), [fout]);
    return ctx.graph.op('Gemm', [x, weight, bias], { alpha: attr.f(1), beta: attr.f(1), transB: attr.i(1) }, outName);
  });
}

/** Exact (erf) GELU: x·½·(1 + erf(x/√2)). */
export function gelu(ctx: ForgeContext, x: string): string {
  const g = ctx.graph;
  const erf = g.op('Erf', [g.op('Div', [x, ctx.scalar(Math.SQRT2)])]);
  return mul(ctx, mul(ctx, x, add(ctx, erf, ctx.scalar(1))), ctx.scalar(0.5));
}
