/**
 * Read-only facts about a decoded ONNX graph that load-time rewrites need: the default-domain opset,
 * the shapes and element types the file records, attribute values, and the set of names in use.
 * Pure: no I/O, runs in Node and in the browser.
 */
import { onnx, type GraphProto, type ModelProto, type NodeProto } from '../builder.js';

type ValueInfo = NonNullable<GraphProto['input']>[number];
type Attribute = NonNullable<NodeProto['attribute']>[number];

/** A dimension as the file records it: a number, a symbolic name, or unknown. */
export type Dim = number | string | undefined;

export interface TensorFacts {
  /** Dimensions, when the file records the rank. */
  readonly dims?: readonly Dim[];
  /** ONNX element type (onnx.TensorProto.DataType), when recorded. */
  readonly elemType?: number;
}

/** An int64 protobuf field may decode as a number or as a Long object. */
export function toNumber(value: number | { toString(): string } | null | undefined): number | undefined {
  if (value === null || value === undefined) return undefined;
  return typeof value === 'number' ? value : Number(value.toString());
}

/** The opset version of the default ONNX domain ('' or 'ai.onnx'). */
export function defaultOpset(model: ModelProto): number {
  for (const entry of model.opsetImport ?? []) {
    if (!entry.domain || entry.domain === 'ai.onnx') return toNumber(entry.version) ?? 1;
  }
  return 1;
}

/** Shapes and element types of every tensor the graph describes (inputs, outputs, value_info, initializers). */
export function tensorFacts(graph: GraphProto): Map<string, TensorFacts> {
  const facts = new Map<string, TensorFacts>();
  const fromValueInfo = (vi: ValueInfo): void => {
    if (!vi.name) return;
    const tensorType = vi.type?.tensorType;
    if (!tensorType) return;
    const dims = tensorType.shape
      ? (tensorType.shape.dim ?? []).map((d): Dim => (d.dimParam ? d.dimParam : d.dimValue !== null && d.dimValue !== undefined ? toNumber(d.dimValue) : undefined))
      : undefined;
    facts.set(vi.name, { dims, elemType: tensorType.elemType ?? undefined });
  };
  for (const vi of graph.input ?? []) fromValueInfo(vi);
  for (const vi of graph.valueInfo ?? []) fromValueInfo(vi);
  for (const vi of graph.output ?? []) fromValueInfo(vi);
  for (const t of graph.initializer ?? []) {
    if (t.name) facts.set(t.name, { dims: (t.dims ?? []).map((d) => toNumber(d)), elemType: t.dataType ?? undefined });
  }
  return facts;
}

/** Every tensor and node name the graph uses, so generated names never collide. */
export function namesInUse(graph: GraphProto): Set<string> {
  const names = new Set<string>();
  const add = (n: string | null | undefined): void => {
    if (n) names.add(n);
  };
  for (const vi of [...(graph.input ?? []), ...(graph.output ?? []), ...(graph.valueInfo ?? [])]) add(vi.name);
  for (const t of graph.initializer ?? []) add(t.name);
  for (const node of graph.node ?? []) {
    add(node.name);
    for (const n of node.input ?? []) add(n);
    for (const n of node.output ?? []) add(n);
  }
  return names;
}

function findAttr(node: NodeProto, name: string): Attribute | undefined {
  return (node.attribute ?? []).find((a) => a.name === name);
}

export function stringAttr(node: NodeProto, name: string): string | undefined {
  const a = findAttr(node, name);
  return a?.s ? new TextDecoder().decode(a.s) : undefined;
}

export function intAttr(node: NodeProto, name: string): number | undefined {
  const a = findAttr(node, name);
  return a ? toNumber(a.i) ?? 0 : undefined;
}

export function intsAttr(node: NodeProto, name: string): number[] | undefined {
  const a = findAttr(node, name);
  return a ? (a.ints ?? []).map((v) => toNumber(v) ?? 0) : undefined;
}

export function isDefaultDomain(node: NodeProto): boolean {
  return !node.domain || node.domain === 'ai.onnx';
}

export const ELEM_FLOAT = onnx.TensorProto.DataType.FLOAT;
