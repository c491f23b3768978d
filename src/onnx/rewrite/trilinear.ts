/**
 * Trilinear sampling of a volume X [N, C, D, H, W] at grid points G [N, Do, Ho, Wo, 3] (xyz last,
 * x along W), written with operators that onnxruntime-web's WebGPU providers run: Pad, Reshape,
 * Squeeze/Unsqueeze, Transpose, Split, Mul, Add, Sub, Clip, Floor, Cast, Gather. It computes what
 * GridSample does with mode linear/bilinear, padding zeros or border, either align_corners.
 *
 * Design choices:
 * - Zero padding without masks: X gets a zero border (1 voxel before, 2 after each spatial axis) and
 *   the unnormalised coordinate is clamped to [−1, S]; a clamped point lands on the border with
 *   weight 1, so out-of-range taps read zeros. Clamping per axis keeps Clip's bounds scalar (WebGPU
 *   has no element-wise Min/Max, And or Or).
 * - Flat indices are computed in float32 (exact below 2^24) and cast once to int32: WebGPU has no
 *   native int64 and both WebGPU kernels take int32 Gather indices.
 * - Eight Gathers of [C, N·Do·Ho·Wo] values accumulated one by one, rather than one Gather of all
 *   eight corners: the largest intermediate stays the size of the output (23 MB for LivePortrait's
 *   22×4×16×64×64 sample instead of 185 MB), which matters under WebGPU's buffer-size limits.
 * - The volume is laid out [C, N·S] so one Gather on axis 1 serves every batch (indices carry the
 *   batch offset n·S); with N = 1 this needs no Transpose at all.
 */
import { SubgraphEmitter, known, ONNX_FLOAT, ONNX_INT32, type Scalar } from './emitter.js';

export type VolumePadding = 'zeros' | 'border';

export interface VolumeSampleSpec {
  readonly x: string;
  readonly grid: string;
  /** Name the result must carry (the replaced node's output). */
  readonly output: string;
  readonly alignCorners: boolean;
  readonly padding: VolumePadding;
  /** Batch size N when known when the file is rewritten; otherwise read at run time. */
  readonly batch?: number;
  /** Spatial sizes [D, H, W] of X, each when known; unknown ones are read at run time. */
  readonly spatial: readonly [number | undefined, number | undefined, number | undefined];
}

/** Largest flat index float32 holds exactly. */
export const FLOAT_EXACT_LIMIT = 2 ** 24;

/** Voxels of zero border added before / after each spatial axis. */
const PAD_BEFORE = 1;
const PAD_AFTER = 2;

/** The padded flat volume size N·(D+3)(H+3)(W+3) when every size is known. */
export function paddedFlatSize(batch: number | undefined, spatial: VolumeSampleSpec['spatial']): number | undefined {
  if (batch === undefined || spatial.some((s) => s === undefined)) return undefined;
  return spatial.reduce((acc: number, s) => acc * ((s as number) + PAD_BEFORE + PAD_AFTER), batch);
}

interface AxisSample {
  /** floor of the clamped unnormalised coordinate */
  readonly floor: string;
  /** weight of the upper tap (fraction) */
  readonly upper: string;
  /** weight of the lower tap (1 − fraction) */
  readonly lower: string;
}

export function emitVolumeSample(em: SubgraphEmitter, spec: VolumeSampleSpec): void {
  const sizes = sizeReader(em, spec);
  const [depth, height, width] = [sizes(2), sizes(3), sizes(4)];

  // Strides of the padded volume (x fastest) and the offset of voxel (0, 0, 0) inside it.
  const widthPadded = em.add(width, known(PAD_BEFORE + PAD_AFTER));
  const planePadded = em.mul(em.add(height, known(PAD_BEFORE + PAD_AFTER)), widthPadded);
  const volumePadded = em.mul(planePadded, em.add(depth, known(PAD_BEFORE + PAD_AFTER)));
  const origin = em.add(known(PAD_BEFORE), em.add(em.mul(known(PAD_BEFORE), widthPadded), em.mul(known(PAD_BEFORE), planePadded)));

  const values = flattenVolume(em, spec);

  // Per-point tensors are [N, Do, Ho, Wo]: against the gathered [C, N, Do, Ho, Wo] they broadcast over
  // the leading axis only, which onnxruntime's CPU kernels vectorise (with a trailing 1 the Muls
  // measured about 3× slower).
  const lastAxis = em.int64s([4]);
  const [gx, gy, gz] = em.node('Split', [spec.grid, em.int64s([1, 1, 1])], 3, { axis: 4 }).map((c) => em.op('Squeeze', [c, lastAxis]));
  const ax = sampleAxis(em, gx, width, spec);
  const ay = sampleAxis(em, gy, height, spec);
  const az = sampleAxis(em, gz, depth, spec);

  // Flat index of the lower corner, batch offset included.
  let base = em.op('Add', [ax.floor, em.op('Mul', [ay.floor, em.scalarTensor(widthPadded)])]);
  base = em.op('Add', [base, em.op('Mul', [az.floor, em.scalarTensor(planePadded)])]);
  base = em.op('Add', [base, batchOrigins(em, spec, sizes, volumePadded, origin)]);
  const baseIndex = em.op('Cast', [base], { to: ONNX_INT32 });

  const zy = [
    [em.op('Mul', [az.lower, ay.lower]), em.op('Mul', [az.lower, ay.upper])],
    [em.op('Mul', [az.upper, ay.lower]), em.op('Mul', [az.upper, ay.upper])],
  ];
  let sum: string | undefined;
  for (let corner = 0; corner < 8; corner++) {
    const kz = corner >> 2;
    const ky = (corner >> 1) & 1;
    const kx = corner & 1;
    const offset = em.add(known(kx), em.add(em.mul(known(ky), widthPadded), em.mul(known(kz), planePadded)));
    const index = corner === 0 ? baseIndex : em.op('Add', [baseIndex, em.scalarInt32(offset)]);
    const weight = em.op('Mul', [zy[kz][ky], kx ? ax.upper : ax.lower]);
    const tap = em.op('Gather', [values, index], { axis: 1 });
    const term = em.op('Mul', [tap, weight]);
    sum = sum === undefined ? term : em.op('Add', [sum, term]);
  }

  // sum is [C, N, Do, Ho, Wo]; the result is [N, C, Do, Ho, Wo].
  if (spec.batch === 1) {
    const squeezed = em.op('Squeeze', [sum as string, em.int64s([1])]);
    em.node('Unsqueeze', [squeezed, em.int64s([0])], [spec.output]);
  } else {
    em.node('Transpose', [sum as string], [spec.output], { perm: [1, 0, 2, 3, 4] });
  }
}

/** Sizes of X's axes: known numbers, or rank-0 floats read from Shape(X) when any is unknown. */
function sizeReader(em: SubgraphEmitter, spec: VolumeSampleSpec): (axis: number) => Scalar {
  const knownSizes = [spec.batch, undefined, ...spec.spatial];
  let shape: string | undefined;
  return (axis) => {
    const k = knownSizes[axis];
    if (k !== undefined) return known(k);
    shape ??= em.op('Shape', [spec.x]);
    // Gather before Cast: onnxruntime's shape inference rejects Range fed by Gather(Cast(Shape)) when
    // the shape is static (its value propagation keeps the int64 type through the Cast).
    return { tensor: em.op('Cast', [em.op('Gather', [shape, em.int64s([axis], [])], { axis: 0 })], { to: ONNX_FLOAT }) };
  };
}

/** X zero-padded and laid out as [C, N·S'] (S' the padded volume). */
function flattenVolume(em: SubgraphEmitter, spec: VolumeSampleSpec): string {
  const pads = [0, 0, PAD_BEFORE, PAD_BEFORE, PAD_BEFORE, 0, 0, PAD_AFTER, PAD_AFTER, PAD_AFTER];
  const padded = em.op('Pad', [spec.x, em.int64s(pads)]);
  const perBatch = em.op('Reshape', [padded, em.int64s([0, 0, -1])]);
  if (spec.batch === 1) return em.op('Squeeze', [perBatch, em.int64s([0])]);
  const channelsFirst = em.op('Transpose', [perBatch], { perm: [1, 0, 2] });
  return em.op('Reshape', [channelsFirst, em.int64s([0, -1])]);
}

/** Unnormalise one grid component, clamp it so out-of-range taps hit the zero border, split into floor and weights. */
function sampleAxis(em: SubgraphEmitter, component: string, size: Scalar, spec: VolumeSampleSpec): AxisSample {
  // align_corners 0: ((g + 1)·S − 1)/2 = g·S/2 + (S − 1)/2; align_corners 1: (g + 1)(S − 1)/2.
  const half = known(0.5);
  const scale = spec.alignCorners ? em.mul(em.add(size, known(-1)), half) : em.mul(size, half);
  const shift = spec.alignCorners ? scale : em.add(em.mul(size, half), known(-0.5));
  const [low, high] = spec.padding === 'zeros' ? [known(-1), size] : [known(0), em.add(size, known(-1))];

  const unnormalised = em.op('Add', [em.op('Mul', [component, em.scalarTensor(scale)]), em.scalarTensor(shift)]);
  const clamped = em.op('Clip', [unnormalised, em.scalarTensor(low), em.scalarTensor(high)]);
  const floor = em.op('Floor', [clamped]);
  const upper = em.op('Sub', [clamped, floor]);
  const lower = em.op('Sub', [em.scalarTensor(known(1)), upper]);
  return { floor, upper, lower };
}

/**
 * Flat offset of voxel (0, 0, 0) of each batch item in [C, N·S']: a rank-0 value when N = 1, else
 * [N, 1, 1, 1] broadcasting over the grid points.
 */
function batchOrigins(em: SubgraphEmitter, spec: VolumeSampleSpec, sizes: (axis: number) => Scalar, volume: Scalar, origin: Scalar): string {
  if (spec.batch === 1) return em.scalarTensor(origin);
  if (spec.batch !== undefined && 'known' in volume && 'known' in origin) {
    const offsets = Array.from({ length: spec.batch }, (_, n) => n * volume.known + origin.known);
    return em.floats(offsets, [spec.batch, 1, 1, 1], 'batch_origin');
  }
  let items: string;
  if (spec.batch !== undefined) {
    items = em.floats(
      Array.from({ length: spec.batch }, (_, n) => n),
      [spec.batch, 1, 1, 1],
      'batch_item',
    );
  } else {
    const count = em.op('Range', [em.scalarTensor(known(0)), em.scalarTensor(sizes(0)), em.scalarTensor(known(1))]);
    items = em.op('Reshape', [count, em.int64s([-1, 1, 1, 1])]);
  }
  return em.op('Add', [em.op('Mul', [items, em.scalarTensor(volume)]), em.scalarTensor(origin)]);
}
