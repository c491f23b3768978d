/**
 * Load-time rewrite of volumetric (5-D) GridSample nodes into plain gather arithmetic.
 *
 * onnxruntime-web's WebGPU providers implement GridSample for 4-D inputs only: a 5-D node at opset
 * 16–19 is claimed by WebGPU and fails at run time, and at opset ≥ 20 it silently falls back to the
 * CPU. LivePortrait's warping module has two such nodes. This rewrite replaces each with an
 * equivalent subgraph (see trilinear.ts) and leaves everything else, including tensor names and the
 * opset, untouched. Pure: works on bytes, no I/O, runs in Node and in the browser.
 */
import { decodeModel, encodeModel, type GraphProto, type ModelProto, type NodeProto } from '../builder.js';
import { SubgraphEmitter } from './emitter.js';
import {
  defaultOpset,
  ELEM_FLOAT,
  intAttr,
  isDefaultDomain,
  namesInUse,
  stringAttr,
  tensorFacts,
  type Dim,
  type TensorFacts,
} from './graph-info.js';
import { emitVolumeSample, FLOAT_EXACT_LIMIT, paddedFlatSize, type VolumePadding } from './trilinear.js';

export interface GridSampleNodeInfo {
  /** Node name ('' when the file gives none). */
  readonly name: string;
  /** Output tensor name (always present; identifies the node when it has no name). */
  readonly output: string;
  readonly opset: number;
  /** Rank of input X when the file (or `shapes`) tells it, else the grid's rank when known. */
  readonly rank?: number;
  readonly mode: string;
  readonly alignCorners: number;
  readonly padding: string;
  readonly xShape?: readonly Dim[];
  readonly gridShape?: readonly Dim[];
}

export interface GridSampleRewriteOptions {
  /**
   * Shapes of tensors the file does not describe (e.g. {'/dense_motion_network/Tile_output_0':
   * [22, 4, 16, 64, 64]}); they override value_info. Known sizes become constants, unknown ones are
   * read at run time.
   */
  readonly shapes?: Readonly<Record<string, readonly Dim[]>>;
  /**
   * Treat GridSample nodes whose rank cannot be determined as 5-D: `true` for all of them, or a list
   * of node names / output names.
   */
  readonly force?: boolean | readonly string[];
}

export interface GridSampleRewriteDetail {
  readonly name: string;
  readonly output: string;
  readonly opset: number;
  readonly mode: string;
  readonly alignCorners: number;
  readonly padding: string;
  readonly xShape?: readonly Dim[];
  readonly gridShape?: readonly Dim[];
  /** 'static' when every size was known (constants only), 'dynamic' when some are read at run time. */
  readonly shapes: 'static' | 'dynamic';
  /** Nodes that replace the GridSample. */
  readonly nodesAdded: number;
}

export interface GridSampleSkip {
  readonly name: string;
  readonly output: string;
  readonly reason: string;
}

export interface GridSampleRewriteResult {
  readonly bytes: Uint8Array;
  /** Number of GridSample nodes replaced. */
  readonly replaced: number;
  readonly details: GridSampleRewriteDetail[];
  /** Volumetric (or undetermined) GridSample nodes left in place, with why. */
  readonly skipped: GridSampleSkip[];
}

const LINEAR_MODES = new Set(['linear', 'bilinear']);

function isGridSample(node: NodeProto): boolean {
  return node.opType === 'GridSample' && isDefaultDomain(node);
}

function describe(node: NodeProto, opset: number, facts: Map<string, TensorFacts>): GridSampleNodeInfo {
  const [x, grid] = node.input ?? [];
  const xShape = facts.get(x)?.dims;
  const gridShape = facts.get(grid)?.dims;
  return {
    name: node.name ?? '',
    output: node.output?.[0] ?? '',
    opset,
    rank: xShape?.length ?? gridShape?.length,
    mode: stringAttr(node, 'mode') ?? (opset >= 20 ? 'linear' : 'bilinear'),
    alignCorners: intAttr(node, 'align_corners') ?? 0,
    padding: stringAttr(node, 'padding_mode') ?? 'zeros',
    xShape,
    gridShape,
  };
}

function factsWithOverrides(graph: GraphProto, options: GridSampleRewriteOptions): Map<string, TensorFacts> {
  const facts = tensorFacts(graph);
  for (const [name, dims] of Object.entries(options.shapes ?? {})) facts.set(name, { ...facts.get(name), dims });
  return facts;
}

/** Every GridSample node of the main graph with its settings and, where recorded, its input ranks. */
export function listGridSampleNodes(modelBytes: Uint8Array, options: Pick<GridSampleRewriteOptions, 'shapes'> = {}): GridSampleNodeInfo[] {
  const model = decodeModel(modelBytes);
  const graph = model.graph;
  if (!graph) return [];
  const opset = defaultOpset(model);
  const facts = factsWithOverrides(graph, options);
  return (graph.node ?? []).filter(isGridSample).map((node) => describe(node, opset, facts));
}

function forced(info: GridSampleNodeInfo, force: GridSampleRewriteOptions['force']): boolean {
  if (force === true) return true;
  if (!force) return false;
  return force.includes(info.output) || (info.name !== '' && force.includes(info.name));
}

const knownNumber = (d: Dim): number | undefined => (typeof d === 'number' && d >= 0 ? d : undefined);

/** Why a volumetric node cannot be rewritten, or undefined when it can. */
function unsupported(info: GridSampleNodeInfo, xFacts: TensorFacts | undefined, batch: number | undefined, spatial: (number | undefined)[]): string | undefined {
  if (!LINEAR_MODES.has(info.mode)) return `mode '${info.mode}' (only linear/bilinear is rewritten)`;
  if (info.padding !== 'zeros' && info.padding !== 'border') return `padding_mode '${info.padding}' (only zeros and border are rewritten)`;
  if (xFacts?.elemType !== undefined && xFacts.elemType !== ELEM_FLOAT) return `input element type ${xFacts.elemType} (only float32 is rewritten)`;
  if (info.opset < 13) return `opset ${info.opset} (the replacement needs opset ≥ 13)`;
  const flat = paddedFlatSize(batch, spatial as [number | undefined, number | undefined, number | undefined]);
  if (flat !== undefined && flat >= FLOAT_EXACT_LIMIT) return `padded volume of ${flat} voxels exceeds float32's exact integer range`;
  return undefined;
}

/**
 * Replaces every 5-D GridSample (linear, zeros or border padding, either align_corners) with an
 * equivalent subgraph of WebGPU-supported operators. Input and output names stay the same; the
 * replacement is inserted where the node stood, so the graph stays topologically sorted.
 */
export function rewriteGridSample5D(modelBytes: Uint8Array, options: GridSampleRewriteOptions = {}): GridSampleRewriteResult {
  const model: ModelProto = decodeModel(modelBytes);
  const graph = model.graph;
  if (!graph) return { bytes: modelBytes, replaced: 0, details: [], skipped: [] };
  const opset = defaultOpset(model);
  const facts = factsWithOverrides(graph, options);
  const taken = namesInUse(graph);
  const details: GridSampleRewriteDetail[] = [];
  const skipped: GridSampleSkip[] = [];
  const nodes: NodeProto[] = [];

  for (const node of graph.node ?? []) {
    if (!isGridSample(node)) {
      nodes.push(node);
      continue;
    }
    const info = describe(node, opset, facts);
    const id = { name: info.name, output: info.output };
    if (info.rank === undefined && !forced(info, options.force)) {
      skipped.push({ ...id, reason: 'rank of X and grid unknown (pass shapes or force)' });
      nodes.push(node);
      continue;
    }
    if (info.rank !== undefined && info.rank !== 5) {
      nodes.push(node);
      continue;
    }
    const [x, grid] = node.input ?? [];
    const xDims = info.xShape;
    const batch = knownNumber(xDims?.[0]) ?? knownNumber(info.gridShape?.[0]);
    const spatial: [number | undefined, number | undefined, number | undefined] = [
      knownNumber(xDims?.[2]),
      knownNumber(xDims?.[3]),
      knownNumber(xDims?.[4]),
    ];
    const reason = unsupported(info, facts.get(x), batch, spatial);
    if (reason) {
      skipped.push({ ...id, reason });
      nodes.push(node);
      continue;
    }
    const em = new SubgraphEmitter(`${info.name || info.output}/gridsample5d`, taken);
    emitVolumeSample(em, {
      x,
      grid,
      output: info.output,
      alignCorners: info.alignCorners !== 0,
      padding: info.padding as VolumePadding,
      batch,
      spatial,
    });
    nodes.push(...em.nodes);
    graph.initializer = [...(graph.initializer ?? []), ...em.initializers];
    details.push({
      ...id,
      opset,
      mode: info.mode,
      alignCorners: info.alignCorners,
      padding: info.padding,
      xShape: info.xShape,
      gridShape: info.gridShape,
      shapes: batch !== undefined && spatial.every((s) => s !== undefined) ? 'static' : 'dynamic',
      nodesAdded: em.nodes.length,
    });
  }

  if (details.length === 0) return { bytes: modelBytes, replaced: 0, details, skipped };
  graph.node = nodes;
  return { bytes: encodeModel(model), replaced: details.length, details, skipped };
}
