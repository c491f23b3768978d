/**
 * A small ONNX graph builder over the protobuf definitions of `onnx-proto`. Used to write the stand-in
 * models, the real-architecture benchmark graphs and load-time graph rewrites. Models built here are
 * ordinary ONNX files that any onnxruntime loads.
 */
import onnxProto from 'onnx-proto';

export const onnx = onnxProto.onnx;
export type ModelProto = onnxProto.onnx.ModelProto;
export type GraphProto = onnxProto.onnx.IGraphProto;
export type NodeProto = onnxProto.onnx.INodeProto;
export type TensorProto = onnxProto.onnx.ITensorProto;

const DT = onnx.TensorProto.DataType;
const AT = onnx.AttributeProto.AttributeType;

export type ElemType = 'float32' | 'int64' | 'int32' | 'bool' | 'uint8' | 'int8';
const ELEM: Record<ElemType, number> = { float32: DT.FLOAT, int64: DT.INT64, int32: DT.INT32, bool: DT.BOOL, uint8: DT.UINT8, int8: DT.INT8 };

/** A tagged attribute value; build with the `attr` helpers so ints and floats are never confused. */
export type AttrValue =
  | { readonly kind: 'i'; readonly value: number }
  | { readonly kind: 'f'; readonly value: number }
  | { readonly kind: 's'; readonly value: string }
  | { readonly kind: 'ints'; readonly value: readonly number[] }
  | { readonly kind: 'floats'; readonly value: readonly number[] }
  | { readonly kind: 't'; readonly value: TensorProto };

export const attr = {
  i: (value: number): AttrValue => ({ kind: 'i', value }),
  f: (value: number): AttrValue => ({ kind: 'f', value }),
  s: (value: string): AttrValue => ({ kind: 's', value }),
  ints: (value: readonly number[]): AttrValue => ({ kind: 'ints', value }),
  floats: (value: readonly number[]): AttrValue => ({ kind: 'floats', value }),
  t: (value: TensorProto): AttrValue => ({ kind: 't', value }),
};

function toAttributeProto(name: string, a: AttrValue): onnxProto.onnx.IAttributeProto {
  switch (a.kind) {
    case 'i':
      return { name, type: AT.INT, i: a.value };
    case 'f':
      return { name, type: AT.FLOAT, f: a.value };
    case 's':
      return { name, type: AT.STRING, s: new TextEncoder().encode(a.value) };
    case 'ints':
      return { name, type: AT.INTS, ints: [...a.value] };
    case 'floats':
      return { name, type: AT.FLOATS, floats: [...a.value] };
    case 't':
      return { name, type: AT.TENSOR, t: a.value };
  }
}

export type TensorData = Float32Array | BigInt64Array | Int32Array | Uint8Array | Int8Array;

/** Makes a TensorProto with raw little-endian data. */
export function makeTensor(name: string, data: TensorData, dims: readonly number[], type?: ElemType): TensorProto {
  const elemType: ElemType =
    type ??
    (data instanceof Float32Array ? 'float32' : data instanceof BigInt64Array ? 'int64' : data instanceof Int32Array ? 'int32' : data instanceof Int8Array ? 'int8' : 'bool');
  const count = dims.reduce((a, b) => a * b, 1);
  if (count !== data.length) throw new RangeError(`tensor ${name}: ${data.length} values for dims [${dims.join(',')}]`);
  return {
    name,
    dims: [...dims],
    dataType: ELEM[elemType],
    rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
  };
}

function valueInfo(name: string, shape: readonly (number | string)[] | undefined, type: ElemType): onnxProto.onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: ELEM[type],
        shape: shape ? { dim: shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } : undefined,
      },
    },
  };
}

export interface BuildOptions {
  /** Default-domain opset version (GridSample needs ≥ 16; N-D GridSample semantics are opset 20). */
  readonly opset?: number;
  readonly producer?: string;
  readonly docString?: string;
  /** Free-form metadata written into the model (e.g. {standin: 'true'}). */
  readonly metadata?: Readonly<Record<string, string>>;
}

export class GraphBuilder {
  private readonly nodes: NodeProto[] = [];
  private readonly inputs: onnxProto.onnx.IValueInfoProto[] = [];
  private readonly outputs: onnxProto.onnx.IValueInfoProto[] = [];
  private readonly initializers: TensorProto[] = [];
  private counter = 0;

  constructor(readonly name: string) {}

  /** A fresh unique tensor name with the given prefix. */
  fresh(prefix = 't'): string {
    return `${prefix}_${this.counter++}`;
  }

  input(name: string, shape: readonly (number | string)[], type: ElemType = 'float32'): string {
    this.inputs.push(valueInfo(name, shape, type));
    return name;
  }

  /** Declares a graph output. The tensor must be produced by a node (use `identity` to rename). */
  output(name: string, shape?: readonly (number | string)[], type: ElemType = 'float32'): string {
    this.outputs.push(valueInfo(name, shape, type));
    return name;
  }

  initializer(name: string, data: TensorData, dims: readonly number[], type?: ElemType): string {
    this.initializers.push(makeTensor(name, data, dims, type));
    return name;
  }

  /** A float32 constant (stored as an initializer). */
  constFloat(data: Float32Array | readonly number[], dims: readonly number[], prefix = 'const'): string {
    const arr = data instanceof Float32Array ? data : Float32Array.from(data);
    return this.initializer(this.fresh(prefix), arr, dims, 'float32');
  }

  /** An int64 constant (shapes, axes, indices). */
  constInt64(values: readonly number[], dims: readonly number[] = [values.length], prefix = 'shape'): string {
    return this.initializer(this.fresh(prefix), BigInt64Array.from(values.map((v) => BigInt(v))), dims, 'int64');
  }

  /** Adds a node with explicit output names and returns them. */
  node(
    opType: string,
    inputs: readonly string[],
    outputs: readonly string[],
    attrs: Readonly<Record<string, AttrValue>> = {},
    domain = '',
  ): string[] {
    this.nodes.push({
      opType,
      domain,
      name: `${opType}_${this.nodes.length}`,
      input: [...inputs],
      output: [...outputs],
      attribute: Object.entries(attrs).map(([k, v]) => toAttributeProto(k, v)),
    });
    return [...outputs];
  }

  /** Adds a single-output node with an auto-generated output name. */
  op(opType: string, inputs: readonly string[], attrs: Readonly<Record<string, AttrValue>> = {}, outName?: string): string {
    return this.node(opType, inputs, [outName ?? this.fresh(opType.toLowerCase())], attrs)[0];
  }

  /** Adds a node with `count` auto-named outputs. */
  opMulti(opType: string, inputs: readonly string[], count: number, attrs: Readonly<Record<string, AttrValue>> = {}): string[] {
    const outs = Array.from({ length: count }, () => this.fresh(opType.toLowerCase()));
    return this.node(opType, inputs, outs, attrs);
  }

  get nodeCount(): number {
    return this.nodes.length;
  }

  /** Total number of initializer values (parameters). */
  get parameterCount(): number {
    let n = 0;
    for (const t of this.initializers) n += (t.dims ?? []).reduce((a: number, b) => a * Number(b), 1);
    return n;
  }

  toModelProto(options: BuildOptions = {}): ModelProto {
    return onnx.ModelProto.create({
      irVersion: 8,
      producerName: options.producer ?? 'liveportrait-ts',
      producerVersion: '0.1.0',
      docString: options.docString ?? '',
      opsetImport: [{ domain: '', version: options.opset ?? 17 }],
      metadataProps: Object.entries(options.metadata ?? {}).map(([key, value]) => ({ key, value })),
      graph: {
        name: this.name,
        node: this.nodes,
        input: this.inputs,
        output: this.outputs,
        initializer: this.initializers,
      },
    });
  }

  /** Serialises the model to ONNX bytes. */
  build(options: BuildOptions = {}): Uint8Array {
    return encodeModel(this.toModelProto(options));
  }
}

/** float32 values of an initializer (raw little-endian bytes or the float_data field): the inverse of `makeTensor`. */
export function floatValues(t: TensorProto): Float32Array {
  if (t.rawData && t.rawData.length) {
    const copy = new Uint8Array(t.rawData);
    return new Float32Array(copy.buffer, 0, copy.byteLength / 4);
  }
  return Float32Array.from(t.floatData ?? []);
}

export function encodeModel(model: ModelProto | onnxProto.onnx.IModelProto): Uint8Array {
  return onnx.ModelProto.encode(model as onnxProto.onnx.IModelProto).finish();
}

export function decodeModel(bytes: Uint8Array): ModelProto {
  return onnx.ModelProto.decode(bytes);
}

/** The model's metadata properties as a plain object. */
export function modelMetadata(model: ModelProto): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of model.metadataProps ?? []) if (p.key) out[p.key] = p.value ?? '';
  return out;
}
