/**
 * Collects the nodes and initializers of a replacement subgraph under a name prefix that cannot
 * collide with anything already in the host graph. Also folds scalar arithmetic on sizes: a `Scalar`
 * is either a number known when the file is rewritten or a rank-0 float tensor computed at run time,
 * so one formula serves static and dynamic shapes alike.
 */
import { makeTensor, onnx, type NodeProto, type TensorProto } from '../builder.js';

const AT = onnx.AttributeProto.AttributeType;
const DT = onnx.TensorProto.DataType;

export type Scalar = { readonly known: number } | { readonly tensor: string };

export type IntAttrs = Readonly<Record<string, number | readonly number[]>>;

export class SubgraphEmitter {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  private counter = 0;
  private readonly scalarCache = new Map<string, string>();

  constructor(
    private readonly prefix: string,
    private readonly taken: Set<string>,
  ) {}

  /** A fresh name under the prefix, reserved in the host graph's name set. */
  name(hint: string): string {
    let candidate: string;
    do candidate = `${this.prefix}/${hint}_${this.counter++}`;
    while (this.taken.has(candidate));
    this.taken.add(candidate);
    return candidate;
  }

  /**
   * Adds a node; integer and integer-list attributes only (all this rewrite needs). `outputs` is a
   * count of fresh names or the explicit output names.
   */
  node(opType: string, inputs: readonly string[], outputs: number | readonly string[] = 1, attrs: IntAttrs = {}): string[] {
    const names = typeof outputs === 'number' ? Array.from({ length: outputs }, () => this.name(opType.toLowerCase())) : [...outputs];
    this.nodes.push({
      opType,
      domain: '',
      name: this.name(opType),
      input: [...inputs],
      output: names,
      attribute: Object.entries(attrs).map(([name, v]) =>
        typeof v === 'number' ? { name, type: AT.INT, i: v } : { name, type: AT.INTS, ints: [...v] },
      ),
    });
    return names;
  }

  op(opType: string, inputs: readonly string[], attrs: IntAttrs = {}): string {
    return this.node(opType, inputs, 1, attrs)[0];
  }

  floats(values: readonly number[], dims: readonly number[] = [values.length], hint = 'const'): string {
    const name = this.name(hint);
    this.initializers.push(makeTensor(name, Float32Array.from(values), dims, 'float32'));
    return name;
  }

  int64s(values: readonly number[], dims: readonly number[] = [values.length], hint = 'const'): string {
    const name = this.name(hint);
    this.initializers.push(makeTensor(name, BigInt64Array.from(values.map((v) => BigInt(v))), dims, 'int64'));
    return name;
  }

  int32s(values: readonly number[], dims: readonly number[] = [values.length], hint = 'const'): string {
    const name = this.name(hint);
    this.initializers.push(makeTensor(name, Int32Array.from(values), dims, 'int32'));
    return name;
  }

  /** A rank-0 float tensor holding the scalar (one shared initializer per known value). */
  scalarTensor(s: Scalar): string {
    if ('tensor' in s) return s.tensor;
    const key = String(s.known);
    let name = this.scalarCache.get(key);
    if (!name) {
      name = this.floats([s.known], [], 'scalar');
      this.scalarCache.set(key, name);
    }
    return name;
  }

  /** A rank-0 int32 tensor with the scalar's (integral) value. */
  scalarInt32(s: Scalar): string {
    if ('known' in s) return this.int32s([s.known], [], 'offset');
    return this.op('Cast', [s.tensor], { to: DT.INT32 });
  }

  add(a: Scalar, b: Scalar): Scalar {
    if ('known' in a && 'known' in b) return { known: a.known + b.known };
    if ('known' in a && a.known === 0) return b;
    if ('known' in b && b.known === 0) return a;
    return { tensor: this.op('Add', [this.scalarTensor(a), this.scalarTensor(b)]) };
  }

  mul(a: Scalar, b: Scalar): Scalar {
    if ('known' in a && 'known' in b) return { known: a.known * b.known };
    if ('known' in a && a.known === 1) return b;
    if ('known' in b && b.known === 1) return a;
    return { tensor: this.op('Mul', [this.scalarTensor(a), this.scalarTensor(b)]) };
  }
}

export const known = (value: number): Scalar => ({ known: value });

export const ONNX_INT32 = DT.INT32;
export const ONNX_FLOAT = DT.FLOAT;
