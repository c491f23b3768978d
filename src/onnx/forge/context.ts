/**
 * State shared while one network is written: the graph, its seeded weight source, the current module
 * path (so initializers carry PyTorch state-dict style names) and the trainable-parameter tally.
 *
 * The tally follows the convention of the published LivePortrait sizes: PyTorch trainable parameters.
 * BatchNorm running statistics are buffers and do not count; a BatchNorm folded into the conv before it
 * still counts its affine scale and shift, because the PyTorch module has them.
 */
import type { GraphBuilder } from '../builder.js';
import { SeededRandom } from '../random.js';

export class ForgeContext {
  private trainable = 0;
  private readonly path: string[] = [];
  private readonly constants = new Map<string, string>();

  constructor(
    readonly graph: GraphBuilder,
    readonly random: SeededRandom,
  ) {}

  /** Trainable parameters written so far, PyTorch convention. */
  get trainableParameters(): number {
    return this.trainable;
  }

  /** The dotted module path of `local` inside the current scope. */
  qualified(local: string): string {
    return [...this.path, local].filter(Boolean).join('.');
  }

  /** Runs `body` with `name` appended to the module path. */
  scope<T>(name: string, body: () => T): T {
    this.path.push(name);
    try {
      return body();
    } finally {
      this.path.pop();
    }
  }

  /** A trainable float tensor, stored as an initializer and counted. */
  parameter(local: string, data: Float32Array, dims: readonly number[]): string {
    this.trainable += data.length;
    return this.graph.initializer(this.qualified(local), data, dims, 'float32');
  }

  /** A stored float tensor that PyTorch keeps as a buffer (not counted). */
  buffer(local: string, data: Float32Array, dims: readonly number[]): string {
    return this.graph.initializer(this.qualified(local), data, dims, 'float32');
  }

  /** Counts parameters that exist in the PyTorch module but are folded away in the graph. */
  countFolded(count: number): void {
    this.trainable += count;
  }

  /** A float constant created once per key and reused (scalars, norm scale/shift placeholders). */
  sharedFloat(key: string, make: () => { data: Float32Array; dims: readonly number[] }): string {
    let name = this.constants.get(key);
    if (!name) {
      const { data, dims } = make();
      name = this.graph.constFloat(data, dims);
      this.constants.set(key, name);
    }
    return name;
  }

  /** A float scalar constant. */
  scalar(value: number): string {
    return this.sharedFloat(`scalar:${value}`, () => ({ data: Float32Array.of(value), dims: [] }));
  }

  /** An int64 constant (shapes, axes), created once per value list. */
  int64(values: readonly number[]): string {
    const key = `int64:${values.join(',')}`;
    let name = this.constants.get(key);
    if (!name) {
      name = this.graph.constInt64(values);
      this.constants.set(key, name);
    }
    return name;
  }
}

/**
 * A per-network seed derived from the user's seed and the network's name, so a network's weights do not
 * depend on which other networks share its file (the fused warping_spade holds exactly the weights of
 * the split warping_module and spade_generator with the same seed).
 */
export function networkRandom(seed: number, network: string): SeededRandom {
  let h = 0x811c9dc5 ^ (seed >>> 0);
  for (let i = 0; i < network.length; i++) h = Math.imul(h ^ network.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return new SeededRandom(h >>> 0);
}
