/**
 * Static QDQ quantization of an ONNX graph: QuantizeLinear/DequantizeLinear pairs around the inputs
 * and outputs of the convolutions and matmuls (uint8 activations, per-channel symmetric int8 weights,
 * int32 biases), in the form onnxruntime's CPU provider fuses into integer kernels (QLinearConv,
 * QLinearMatMul, QGemm; a Relu between a conv and its output Q is dropped when the zero point is 0).
 * Every other operator (GridSample, normalisations, softmax, resizes, additions) stays fp32, and so
 * do the last layers, whose outputs reach a graph output. Pure: no I/O.
 */
import { floatValues, makeTensor, onnx, type ModelProto, type NodeProto, type TensorProto } from '../builder.js';
import { namesInUse, toNumber } from '../rewrite/graph-info.js';
import { uint8Params, type TensorRange } from './ranges.js';

export const QUANTIZABLE_OPS: readonly string[] = ['Conv', 'MatMul', 'Gemm'];

/** Metadata keys written into a quantized model. */
export const QUANTIZED_METADATA = {
  precision: 'liveportrait.quantized',
  sourceSha256: 'liveportrait.quantized.source_sha256',
  sourceFile: 'liveportrait.quantized.source_file',
  method: 'liveportrait.quantized.method',
  calibration: 'liveportrait.quantized.calibration',
  keptFp32: 'liveportrait.quantized.kept_fp32',
} as const;

export interface QuantizationTarget {
  readonly node: string;
  readonly opType: string;
  /** The activation input quantized to uint8. */
  readonly activation: string;
  /** The tensor quantized after the node: its output, or the output of the Relu right after it. */
  readonly output: string;
  readonly weight: string;
  /** Output-channel axis of the weight (per-channel scales along it). */
  readonly weightAxis: number;
  readonly bias?: string;
}

export interface KeptNode {
  readonly node: string;
  readonly opType: string;
  readonly reason: string;
}

export interface QuantizationPlan {
  readonly targets: readonly QuantizationTarget[];
  /** Convs/matmuls left in fp32, with why. */
  readonly kept: readonly KeptNode[];
  /** Activation tensors whose ranges calibration must measure. */
  readonly tensors: readonly string[];
}

/** `keep` entry for every 3-D convolution (5-D weight). */
export const KEEP_CONV3D = 'Conv3d';

export interface PlanOptions {
  /** Node names or op types kept in fp32 (besides the last layers); 'Conv3d' names every 3-D convolution. */
  readonly keep?: readonly string[];
  /** Keep in fp32 the layers whose output reaches a graph output without another conv/matmul in between (default true). */
  readonly keepLast?: boolean;
  /** Keep in fp32 the convolutions with fewer output channels than this (default 0: none). */
  readonly minConvOutputChannels?: number;
}

type Graph = NonNullable<ModelProto['graph']>;

function attribute(node: NodeProto, name: string): number | undefined {
  const a = node.attribute?.find((x) => x.name === name);
  if (!a) return undefined;
  if (a.type === onnx.AttributeProto.AttributeType.FLOAT) return a.f ?? 0;
  return toNumber(a.i) ?? 0;
}

function nodeName(node: NodeProto, index: number): string {
  return node.name || `${node.opType}_${index}`;
}

/**
 * The last layers: quantizable nodes with no quantizable node downstream (everything after them up to
 * the graph outputs is fp32 already, so their output precision is the model's output precision).
 */
function lastLayers(graph: Graph): Set<string> {
  const consumers = new Map<string, NodeProto[]>();
  for (const n of graph.node ?? []) for (const i of n.input ?? []) consumers.set(i, [...(consumers.get(i) ?? []), n]);
  const hasQuantizableBelow = new Map<NodeProto, boolean>();
  const nodes = graph.node ?? [];
  // Nodes are topologically sorted: walking backwards, every consumer is settled before its producer.
  for (let k = nodes.length - 1; k >= 0; k--) {
    const n = nodes[k];
    const below = (n.output ?? []).some((o) => (consumers.get(o) ?? []).some((c) => QUANTIZABLE_OPS.includes(c.opType ?? '') || hasQuantizableBelow.get(c)));
    hasQuantizableBelow.set(n, below);
  }
  const last = new Set<string>();
  nodes.forEach((n, index) => {
    if (QUANTIZABLE_OPS.includes(n.opType ?? '') && !hasQuantizableBelow.get(n)) last.add(nodeName(n, index));
  });
  return last;
}

/** Decides which convs/matmuls are quantized and which tensors need a calibrated range. */
export function planQuantization(model: ModelProto, options: PlanOptions = {}): QuantizationPlan {
  const graph = model.graph;
  if (!graph) throw new Error('model has no graph');
  const inits = new Map((graph.initializer ?? []).map((t) => [t.name ?? '', t]));
  const consumers = new Map<string, NodeProto[]>();
  for (const n of graph.node ?? []) for (const i of n.input ?? []) consumers.set(i, [...(consumers.get(i) ?? []), n]);
  const graphOutputs = new Set((graph.output ?? []).map((o) => o.name ?? ''));
  const keep = new Set(options.keep ?? []);
  const last = options.keepLast === false ? new Set<string>() : lastLayers(graph);
  const targets: QuantizationTarget[] = [];
  const kept: KeptNode[] = [];
  (graph.node ?? []).forEach((node, index) => {
    const op = node.opType ?? '';
    if (!QUANTIZABLE_OPS.includes(op)) return;
    const name = nodeName(node, index);
    const keepAs = (reason: string) => kept.push({ node: name, opType: op, reason });
    const [x, w, b] = node.input ?? [];
    const weight = inits.get(w ?? '');
    if (!weight || weight.dataType !== onnx.TensorProto.DataType.FLOAT) return keepAs('weight is not a float32 constant');
    if (inits.has(x ?? '')) return keepAs('activation is a constant');
    if (keep.has(name) || keep.has(op)) return keepAs('kept in fp32 on request');
    if (op === 'Conv' && keep.has(KEEP_CONV3D) && weight.dims?.length === 5) return keepAs('3-D conv: onnxruntime\'s int8 3-D conv kernel measured slower than its fp32 one');
    if (last.has(name)) return keepAs('last layer (its output reaches a graph output)');
    const rank = weight.dims?.length ?? 0;
    const outChannels = toNumber(weight.dims?.[0]) ?? 0;
    if (op === 'Conv' && outChannels < (options.minConvOutputChannels ?? 0)) {
      return keepAs(`${outChannels} output channel${outChannels === 1 ? '' : 's'}: onnxruntime's int8 conv computes output channels in groups of 16, measured slower than fp32 below that`);
    }
    let weightAxis = 0;
    if (op === 'MatMul') {
      if (rank !== 2) return keepAs(`weight of rank ${rank} (only 2-D matmul weights are quantized)`);
      weightAxis = 1;
    } else if (op === 'Gemm') {
      if ((attribute(node, 'alpha') ?? 1) !== 1 || (attribute(node, 'beta') ?? 1) !== 1 || (attribute(node, 'transA') ?? 0) !== 0) return keepAs('Gemm with alpha/beta ≠ 1 or transA');
      weightAxis = (attribute(node, 'transB') ?? 0) ? 0 : 1;
    }
    if (b && !inits.has(b)) return keepAs('bias is not a constant');
    const y = node.output?.[0] ?? '';
    const next = consumers.get(y) ?? [];
    const output = next.length === 1 && next[0].opType === 'Relu' && !graphOutputs.has(y) ? (next[0].output?.[0] ?? y) : y;
    if (graphOutputs.has(output)) return keepAs('last layer (its output is a graph output)');
    targets.push({ node: name, opType: op, activation: x, output, weight: w, weightAxis, bias: b || undefined });
  });
  const tensors = [...new Set(targets.flatMap((t) => [t.activation, t.output]))];
  return { targets, kept, tensors };
}

/** The plan with the named nodes moved to fp32 (a sensitivity analysis keeps the layers that cost most precision). */
export function keepInFp32(plan: QuantizationPlan, nodes: ReadonlySet<string>, reason: string): QuantizationPlan {
  const targets = plan.targets.filter((t) => !nodes.has(t.node));
  const kept = [...plan.kept, ...plan.targets.filter((t) => nodes.has(t.node)).map((t) => ({ node: t.node, opType: t.opType, reason }))];
  return { targets, kept, tensors: [...new Set(targets.flatMap((t) => [t.activation, t.output]))] };
}

/** Per-channel symmetric int8: q = round(w / scale[c]), scale[c] = max|w_c| / 127. */
export function quantizeWeightPerChannel(values: Float32Array, dims: readonly number[], axis: number): { q: Int8Array; scales: Float32Array } {
  const channels = dims[axis];
  const inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const channelOf = (i: number) => Math.floor(i / inner) % channels;
  const maxAbs = new Float32Array(channels);
  for (let i = 0; i < values.length; i++) {
    const c = channelOf(i);
    const a = Math.abs(values[i]);
    if (a > maxAbs[c]) maxAbs[c] = a;
  }
  const scales = maxAbs.map((m) => (m > 0 ? m / 127 : 1));
  const q = new Int8Array(values.length);
  for (let i = 0; i < values.length; i++) q[i] = Math.max(-127, Math.min(127, Math.round(values[i] / scales[channelOf(i)])));
  return { q, scales };
}

export interface QuantizeModelOptions {
  /** Metadata added to the model (source hash, method, calibration inputs…). */
  readonly metadata?: Readonly<Record<string, string>>;
}

/**
 * Returns a new model with the plan's QDQ pairs inserted, using the calibrated activation ranges.
 * The input model is not modified.
 */
export function insertQdq(model: ModelProto, plan: QuantizationPlan, ranges: ReadonlyMap<string, TensorRange>, options: QuantizeModelOptions = {}): ModelProto {
  const source = model.graph;
  if (!source) throw new Error('model has no graph');
  const used = namesInUse(source);
  const fresh = (base: string): string => {
    let name = base;
    for (let i = 1; used.has(name); i++) name = `${base}_${i}`;
    used.add(name);
    return name;
  };
  const inits = new Map((source.initializer ?? []).map((t) => [t.name ?? '', t]));
  const newInits: TensorProto[] = [];
  const qdqAfter = new Map<string, NodeProto[]>();
  const renamed = new Map<string, string>();

  // Activations: T → QuantizeLinear → DequantizeLinear → every consumer of T.
  for (const tensor of plan.tensors) {
    const range = ranges.get(tensor);
    if (!range) throw new Error(`no calibrated range for tensor ${tensor}`);
    const { scale, zeroPoint } = uint8Params(range);
    const s = fresh(`${tensor}_scale`);
    const zp = fresh(`${tensor}_zero_point`);
    newInits.push(makeTensor(s, Float32Array.of(scale), []), makeTensor(zp, Uint8Array.of(zeroPoint), [], 'uint8'));
    const q = fresh(`${tensor}_quantized`);
    const dq = fresh(`${tensor}_dequantized`);
    qdqAfter.set(tensor, [
      { opType: 'QuantizeLinear', name: fresh(`${tensor}_QuantizeLinear`), input: [tensor, s, zp], output: [q] },
      { opType: 'DequantizeLinear', name: fresh(`${tensor}_DequantizeLinear`), input: [q, s, zp], output: [dq] },
    ]);
    renamed.set(tensor, dq);
  }

  // Weights (per-channel int8) and biases (int32 at activation scale × weight scale).
  const weightInputs = new Map<string, Map<number, string>>();
  const constantNodes: NodeProto[] = [];
  const weightScales = new Map<string, Float32Array>();
  const weightDq = new Map<string, string>();
  for (const t of plan.targets) {
    if (weightDq.has(t.weight)) continue;
    const w = inits.get(t.weight)!;
    const dims = (w.dims ?? []).map((d) => toNumber(d) ?? 0);
    const { q, scales } = quantizeWeightPerChannel(floatValues(w), dims, t.weightAxis);
    const qn = fresh(`${t.weight}_quantized`);
    const sn = fresh(`${t.weight}_scale`);
    const zn = fresh(`${t.weight}_zero_point`);
    newInits.push(makeTensor(qn, q, dims, 'int8'), makeTensor(sn, scales, [scales.length]), makeTensor(zn, new Int8Array(scales.length), [scales.length], 'int8'));
    const dq = fresh(`${t.weight}_dequantized`);
    constantNodes.push({ opType: 'DequantizeLinear', name: fresh(`${t.weight}_DequantizeLinear`), input: [qn, sn, zn], output: [dq], attribute: [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: t.weightAxis }] });
    weightScales.set(t.weight, scales);
    weightDq.set(t.weight, dq);
  }
  for (const t of plan.targets) {
    const inputs = new Map<number, string>([[1, weightDq.get(t.weight)!]]);
    if (t.bias) {
      const b = floatValues(inits.get(t.bias)!);
      const wScales = weightScales.get(t.weight)!;
      const xScale = uint8Params(ranges.get(t.activation)!).scale;
      const scales = Float32Array.from(b, (_, c) => Math.fround(xScale * wScales[wScales.length === 1 ? 0 : c]));
      const q = Int32Array.from(b, (v, c) => Math.max(-(2 ** 31), Math.min(2 ** 31 - 1, Math.round(v / scales[c]))));
      const qn = fresh(`${t.bias}_quantized`);
      const sn = fresh(`${t.bias}_scale`);
      const zn = fresh(`${t.bias}_zero_point`);
      newInits.push(makeTensor(qn, q, [b.length], 'int32'), makeTensor(sn, scales, [b.length]), makeTensor(zn, new Int32Array(b.length), [b.length], 'int32'));
      const dq = fresh(`${t.bias}_dequantized`);
      constantNodes.push({ opType: 'DequantizeLinear', name: fresh(`${t.bias}_DequantizeLinear`), input: [qn, sn, zn], output: [dq], attribute: [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 0 }] });
      inputs.set(2, dq);
    }
    weightInputs.set(t.node, inputs);
  }

  // Rebuild the node list in order: each QDQ pair right after its tensor's producer.
  const graphInputs = new Set((source.input ?? []).map((i) => i.name ?? ''));
  const nodes: NodeProto[] = [...constantNodes];
  for (const tensor of plan.tensors) if (graphInputs.has(tensor)) nodes.push(...qdqAfter.get(tensor)!);
  (source.node ?? []).forEach((node, index) => {
    const name = nodeName(node, index);
    const own = weightInputs.get(name);
    const input = (node.input ?? []).map((i, k) => own?.get(k) ?? renamed.get(i) ?? i);
    nodes.push({ ...node, input });
    for (const o of node.output ?? []) nodes.push(...(qdqAfter.get(o) ?? []));
  });

  // Float weights and biases no node reads any more are dropped.
  const read = new Set(nodes.flatMap((n) => n.input ?? []));
  const initializer = [...(source.initializer ?? []).filter((t) => read.has(t.name ?? '')), ...newInits];
  const metadataProps = [...(model.metadataProps ?? []).filter((p) => !Object.keys(options.metadata ?? {}).includes(p.key ?? '')), ...Object.entries(options.metadata ?? {}).map(([key, value]) => ({ key, value }))];
  return onnx.ModelProto.create({ ...model, metadataProps, graph: { ...source, node: nodes, initializer } });
}

/** Adds graph outputs for `tensors` (float32, shape left to the runtime) so a session returns them. */
export function exposeTensors(model: ModelProto, tensors: readonly string[]): ModelProto {
  const graph = model.graph;
  if (!graph) throw new Error('model has no graph');
  const existing = new Set((graph.output ?? []).map((o) => o.name ?? ''));
  const extra = tensors.filter((t) => !existing.has(t)).map((name) => ({ name, type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT } } }));
  return onnx.ModelProto.create({ ...model, graph: { ...graph, output: [...(graph.output ?? []), ...extra] } });
}

/** Quantization facts recorded in a model's metadata, or undefined for an unquantized model. */
export function quantizedInfo(metadata: Readonly<Record<string, string>>): { sourceSha256: string; method: string; calibration: string } | undefined {
  if (metadata[QUANTIZED_METADATA.precision] !== 'int8') return undefined;
  return { sourceSha256: metadata[QUANTIZED_METADATA.sourceSha256] ?? '', method: metadata[QUANTIZED_METADATA.method] ?? '', calibration: metadata[QUANTIZED_METADATA.calibration] ?? '' };
}

