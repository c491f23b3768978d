/**
 * Graph snippets shared by the stand-in models: constants, pooled image features and bounded
 * seeded heads. Everything here only adds nodes to a GraphBuilder (no I/O).
 */
import { attr, type GraphBuilder } from '../builder.js';
import type { SeededRandom } from '../random.js';

/** A stand-in graph before it is serialised: the graph, what it does (one sentence) and its opset. */
export interface StandinGraph {
  readonly graph: GraphBuilder;
  readonly behaviour: string;
  readonly opset?: number;
}

/** A float32 scalar constant (rank 0). */
export function scalar(g: GraphBuilder, value: number): string {
  return g.constFloat([value], [], 'scalar');
}

/**
 * Averages an NCHW image over a `cells`×`cells` grid and flattens it to [1, 3·cells²], minus `centre`:
 * a coarse, image-dependent feature vector.
 */
export function pooledFeatures(g: GraphBuilder, image: string, size: number, cells: number, centre: number): string {
  const k = size / cells;
  const pooled = g.op('AveragePool', [image], { kernel_shape: attr.ints([k, k]), strides: attr.ints([k, k]) });
  const flat = g.op('Reshape', [pooled, g.constInt64([1, 3 * cells * cells])]);
  return g.op('Sub', [flat, scalar(g, centre)]);
}

/**
 * offset + amplitude·tanh(x·W) with W seeded normal(0, std), x of shape [1, nIn]: outputs move smoothly
 * with the input and never leave [offset − amplitude, offset + amplitude].
 */
export function boundedHead(
  g: GraphBuilder,
  x: string,
  nIn: number,
  amplitude: readonly number[],
  offset: readonly number[],
  rng: SeededRandom,
  std: number,
): string {
  const nOut = amplitude.length;
  if (offset.length !== nOut) throw new RangeError(`boundedHead: ${offset.length} offsets for ${nOut} outputs`);
  const w = g.constFloat(rng.normalArray(nIn * nOut, std), [nIn, nOut], 'head_w');
  const z = g.op('Tanh', [g.op('MatMul', [x, w])]);
  const scaled = g.op('Mul', [z, g.constFloat(amplitude, [1, nOut], 'head_amp')]);
  return g.op('Add', [scaled, g.constFloat(offset, [1, nOut], 'head_offset')]);
}

/** A float32 zero tensor of the given (static) shape, made by a node so it can be a graph output. */
export function zeros(g: GraphBuilder, shape: readonly number[] | string): string {
  const shapeTensor = typeof shape === 'string' ? shape : g.constInt64(shape);
  return g.op('ConstantOfShape', [shapeTensor]);
}

/** Declares `tensor` as graph output `name` (through an Identity so any tensor can be exported). */
export function exportAs(g: GraphBuilder, tensor: string, name: string, shape: readonly (number | string)[]): void {
  g.node('Identity', [tensor], [name]);
  g.output(name, shape);
}

/** An axis-aligned region of an image, as fractions of its width and height. */
export interface Region {
  readonly x0: number;
  readonly y0: number;
  readonly x1: number;
  readonly y1: number;
}

/**
 * Mean grey level of each region ([1, regions.length]), from the image averaged over a `cells`×`cells`
 * grid: a cell counts when its centre lies inside the region.
 */
export function regionMeans(g: GraphBuilder, image: string, size: number, cells: number, regions: readonly Region[]): string {
  const k = size / cells;
  const pooled = g.op('AveragePool', [image], { kernel_shape: attr.ints([k, k]), strides: attr.ints([k, k]) });
  const flat = g.op('Reshape', [pooled, g.constInt64([1, 3 * cells * cells])]);
  const weights = new Float32Array(3 * cells * cells * regions.length);
  regions.forEach((region, j) => {
    const inside: number[] = [];
    for (let r = 0; r < cells; r++) {
      for (let c = 0; c < cells; c++) {
        const x = (c + 0.5) / cells;
        const y = (r + 0.5) / cells;
        if (x >= region.x0 && x <= region.x1 && y >= region.y0 && y <= region.y1) inside.push(r * cells + c);
      }
    }
    if (inside.length === 0) throw new RangeError(`region ${j} covers no cell of a ${cells}×${cells} grid`);
    for (let ch = 0; ch < 3; ch++) {
      for (const cell of inside) weights[(ch * cells * cells + cell) * regions.length + j] = 1 / (3 * inside.length);
    }
  });
  return g.op('MatMul', [flat, g.constFloat(weights, [3 * cells * cells, regions.length], 'region_w')]);
}
