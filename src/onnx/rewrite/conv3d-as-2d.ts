/**
 * Rewrites a 3-D convolution (stride 1, no dilation, one group) as a 2-D convolution over the depth
 * slices: the kd depth taps of each output slice are stacked along the channels
 * ([N, C, D, H, W] → [N·D', kd·C, H, W], zero-padded in depth), convolved with the weight laid out
 * as [O, kd·C, kh, kw], and put back as [N, O, D', H', W']. The result is the same sum of products
 * (float32 equal up to summation order). Used by `models quantize`: onnxruntime's integer kernels
 * are fast for 2-D convolutions only (its int8 3-D conv ran 7–27× slower than fp32 on W+G). Pure.
 */
import { floatValues, makeTensor, onnx, type ModelProto, type NodeProto, type TensorProto } from '../builder.js';
import { defaultOpset, intAttr, intsAttr, isDefaultDomain, namesInUse, stringAttr, toNumber } from './graph-info.js';
import { SubgraphEmitter } from './emitter.js';

const INT64_MAX = Number.MAX_SAFE_INTEGER;

export interface Conv3dRewrite {
  readonly model: ModelProto;
  /** Nodes rewritten, with the name of the 2-D conv that replaces each (what a quantizer then sees). */
  readonly rewritten: readonly { readonly node: string; readonly conv2d: string }[];
  /** 3-D convs left as they are, with why. */
  readonly skipped: readonly { readonly node: string; readonly reason: string }[];
  /**
   * The 2-D convs' inputs (the stacked depth taps, kd times the volume) hold the 3-D input's values
   * and padding zeros: their range is the 3-D input's (with 0), measured on the smaller tensor.
   */
  readonly sameRange: ReadonlyMap<string, string>;
}

/** Why a Conv with a 5-D weight cannot be rewritten, or undefined when it can. */
function unsupported(node: NodeProto, opset: number): string | undefined {
  if (opset < 13) return `opset ${opset} (needs ≥ 13)`;
  if ((intsAttr(node, 'strides') ?? [1, 1, 1]).some((s) => s !== 1)) return 'strided';
  if ((intsAttr(node, 'dilations') ?? [1, 1, 1]).some((d) => d !== 1)) return 'dilated';
  if ((intAttr(node, 'group') ?? 1) !== 1) return 'grouped';
  const autoPad = stringAttr(node, 'auto_pad');
  if (autoPad && autoPad !== 'NOTSET') return `auto_pad ${autoPad}`;
  return undefined;
}

/**
 * Every 3-D convolution with a constant float weight rewritten as a 2-D convolution over depth slices,
 * except the nodes `leave` names (node names; 'Conv' or 'Conv3d' leaves them all).
 */
export function rewriteConv3dAs2d(model: ModelProto, leave: readonly string[] = []): Conv3dRewrite {
  if (leave.includes('Conv') || leave.includes('Conv3d')) return { model, rewritten: [], skipped: [], sameRange: new Map() };
  const graph = model.graph;
  if (!graph) return { model, rewritten: [], skipped: [], sameRange: new Map() };
  const opset = defaultOpset(model);
  const inits = new Map((graph.initializer ?? []).map((t) => [t.name ?? '', t]));
  const taken = namesInUse(graph);
  const nodes: NodeProto[] = [];
  const added: TensorProto[] = [];
  const replacedWeights = new Set<string>();
  const rewritten: { node: string; conv2d: string }[] = [];
  const skipped: { node: string; reason: string }[] = [];
  const sameRange = new Map<string, string>();
  (graph.node ?? []).forEach((node, index) => {
    const weight = node.opType === 'Conv' && isDefaultDomain(node) ? inits.get(node.input?.[1] ?? '') : undefined;
    const dims = (weight?.dims ?? []).map((d) => toNumber(d) ?? 0);
    if (!weight || dims.length !== 5 || weight.dataType !== onnx.TensorProto.DataType.FLOAT) {
      nodes.push(node);
      return;
    }
    const name = node.name || `Conv_${index}`;
    if (leave.includes(name)) {
      nodes.push(node);
      return;
    }
    const reason = unsupported(node, opset);
    if (reason) {
      skipped.push({ node: name, reason });
      nodes.push(node);
      return;
    }
    const [O, C, kd, kh, kw] = dims;
    const pads = intsAttr(node, 'pads') ?? [0, 0, 0, 0, 0, 0];
    const [x, , bias] = node.input ?? [];
    const em = new SubgraphEmitter(`${name}/as2d`, taken);
    // [N, C, D, H, W] → [N, D, C, H, W], zero-padded in depth.
    let slices = em.op('Transpose', [x], { perm: [0, 2, 1, 3, 4] });
    if (pads[0] || pads[3]) slices = em.op('Pad', [slices, em.int64s([0, pads[0], 0, 0, 0, 0, pads[3], 0, 0, 0])]);
    // Output slice j reads padded slices j … j+kd−1: tap k is the padded volume from k, D' long.
    const taps =
      kd === 1
        ? slices
        : em.op(
            'Concat',
            Array.from({ length: kd }, (_, k) => em.op('Slice', [slices, em.int64s([k]), em.int64s([k === kd - 1 ? INT64_MAX : k - kd + 1]), em.int64s([1])])),
            { axis: 2 },
          );
    const shape = em.op('Shape', [taps]);
    const hw = em.op('Slice', [shape, em.int64s([3]), em.int64s([5]), em.int64s([0])]);
    const flat = em.op('Reshape', [taps, em.op('Concat', [em.int64s([-1, kd * C]), hw], { axis: 0 })]);
    sameRange.set(flat, x);
    // Weight [O, C, kd, kh, kw] → [O, kd·C, kh, kw] with channel k·C + c.
    const w = floatValues(weight);
    const w2 = new Float32Array(w.length);
    for (let o = 0; o < O; o++)
      for (let c = 0; c < C; c++)
        for (let k = 0; k < kd; k++)
          for (let s = 0; s < kh * kw; s++) w2[((o * kd + k) * C + c) * kh * kw + s] = w[(((o * C + c) * kd + k) * kh * kw) + s];
    const wName = em.name('weight');
    added.push(makeTensor(wName, w2, [O, kd * C, kh, kw]));
    replacedWeights.add(weight.name ?? '');
    const conv2d = em.name('Conv');
    const y2 = em.name('conv');
    em.nodes.push({
      opType: 'Conv',
      domain: '',
      name: conv2d,
      input: bias ? [flat, wName, bias] : [flat, wName],
      output: [y2],
      attribute: [
        { name: 'kernel_shape', type: onnx.AttributeProto.AttributeType.INTS, ints: [kh, kw] },
        { name: 'pads', type: onnx.AttributeProto.AttributeType.INTS, ints: [pads[1], pads[2], pads[4], pads[5]] },
      ],
    });
    // [N·D', O, H', W'] → [N, D', O, H', W'] → [N, O, D', H', W'].
    const nd = em.op('Slice', [shape, em.int64s([0]), em.int64s([2]), em.int64s([0])]);
    const ohw = em.op('Slice', [em.op('Shape', [y2]), em.int64s([1]), em.int64s([4]), em.int64s([0])]);
    const y5 = em.op('Reshape', [y2, em.op('Concat', [nd, ohw], { axis: 0 })]);
    em.node('Transpose', [y5], [node.output?.[0] ?? ''], { perm: [0, 2, 1, 3, 4] });
    nodes.push(...em.nodes);
    added.push(...em.initializers);
    rewritten.push({ node: name, conv2d });
  });
  if (rewritten.length === 0) return { model, rewritten, skipped, sameRange };
  const read = new Set(nodes.flatMap((n) => n.input ?? []));
  const initializer = [...(graph.initializer ?? []).filter((t) => !replacedWeights.has(t.name ?? '') || read.has(t.name ?? '')), ...added];
  return { model: onnx.ModelProto.create({ ...model, graph: { ...graph, node: nodes, initializer } }), rewritten, skipped, sameRange };
}
