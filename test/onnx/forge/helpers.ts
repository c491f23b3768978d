/** Reading forged graphs back for the fidelity tests. */
import { decodeModel, type GraphProto, type ModelProto } from '../../../src/onnx/builder.js';
import { summarizeValues } from '../../../src/bench/stats.js';

export function graphOf(bytes: Uint8Array): { model: ModelProto; graph: GraphProto } {
  const model = decodeModel(bytes);
  if (!model.graph) throw new Error('model has no graph');
  return { model, graph: model.graph };
}

export function opHistogram(graph: GraphProto): Record<string, number> {
  const out: Record<string, number> = {};
  for (const n of graph.node ?? []) out[n.opType ?? ''] = (out[n.opType ?? ''] ?? 0) + 1;
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

const elements = (dims: readonly unknown[] | null | undefined): number => (dims ?? []).reduce((a: number, b) => a * Number(b), 1);

/** Sorted `type:dims` of every initializer. */
export function initializerShapes(graph: GraphProto): string[] {
  return (graph.initializer ?? []).map((t) => `${t.dataType}:[${(t.dims ?? []).map(Number).join(',')}]`).sort();
}

/** Sum of elements of the initializers that hold weights (named after their module), leaving out generated constants. */
export function weightElements(graph: GraphProto): number {
  return (graph.initializer ?? []).filter((t) => !/^(const|shape|identity_grid)_\d+$/.test(t.name ?? '')).reduce((s, t) => s + elements(t.dims), 0);
}

/**
 * Each node as op type, sorted attributes, and where each input comes from (graph input, initializer
 * shape, or the position of the producing node): equal strings mean the same graph up to tensor names.
 */
export function nodeSignatures(graph: GraphProto): string[] {
  const producer = new Map<string, number>();
  (graph.node ?? []).forEach((n, i) => (n.output ?? []).forEach((o) => producer.set(o, i)));
  const inits = new Map((graph.initializer ?? []).map((t) => [t.name ?? '', `init[${(t.dims ?? []).map(Number).join(',')}]`]));
  const graphInputs = new Set((graph.input ?? []).map((i) => i.name ?? ''));
  return (graph.node ?? []).map((n) => {
    const attrs = (n.attribute ?? [])
      .map((a) => {
        const value = a.ints?.length ? a.ints.map(Number).join(',') : a.type === 1 ? Number(a.f).toPrecision(3) : a.type === 2 ? String(Number(a.i)) : a.s?.length ? new TextDecoder().decode(a.s) : '';
        return `${a.name}=${value}`;
      })
      .sort()
      .join(';');
    const sources = (n.input ?? []).map((name) => (graphInputs.has(name) ? 'input' : inits.get(name) ?? `node${producer.get(name) ?? '?'}`));
    return `${n.opType}(${attrs})<-${sources.join(',')}`;
  });
}

export function metadataOf(model: ModelProto): Record<string, string> {
  return Object.fromEntries((model.metadataProps ?? []).map((p) => [p.key ?? '', p.value ?? '']));
}

/** min, max, standard deviation and the count of non-finite values. */
export function summary(data: Float32Array): { min: number; max: number; std: number; nonFinite: number } {
  return summarizeValues(data);
}
