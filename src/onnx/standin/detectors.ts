/**
 * Stand-ins for the face detectors (YuNet and SCRFD/det_10g). Both report exactly one face: a square box
 * of 0.45 × the shorter side of the image content, centred on the content, with five keypoints (eyes at
 * 35 % of the box height, nose at the centre, mouth corners at 75 %). The content is what the letterbox
 * did not pad: the images are resized into the input and padded right/bottom with 0, so the content
 * ends at the last row/column that holds a non-zero pixel. Its contrast is the score: ≈ 0.9 for a
 * picture, 0 for a uniform image.
 */
import { GraphBuilder, attr } from '../builder.js';
import { exportAs, scalar, zeros, type StandinGraph } from './graph-helpers.js';

const STRIDES = [8, 16, 32] as const;
const FACE_STRIDE = 32;
const BOX_FRACTION = 0.45;
const FULL_SCORE = 0.9;
/** Standard deviation (of pixel/255) at and above which the content scores FULL_SCORE. */
const CONTRAST_FOR_FULL_SCORE = 0.08;
/** Keypoints relative to the box centre in box sides: right eye, left eye, nose, right/left mouth corner (image left first). */
const KEYPOINT_OFFSETS = [-0.2, -0.15, 0.2, -0.15, 0, 0, -0.15, 0.25, 0.15, 0.25];
const FLOAT = 1;

interface FaceEstimate {
  /** Rank-0 tensors, input pixels. */
  readonly cx: string;
  readonly cy: string;
  readonly side: string;
  readonly score: string;
}

function castFloat(g: GraphBuilder, x: string): string {
  return g.op('Cast', [x], { to: attr.i(FLOAT) });
}

/** The face the stand-in reports, from an NCHW image in 0–255 whose padding is exactly 0. */
function estimateFace(g: GraphBuilder, raw: string): FaceEstimate {
  const present = castFloat(g, g.op('Greater', [raw, scalar(g, 0.5)]));
  const shape = g.op('Shape', [raw]);
  const extent = (reduceAxes: number[], axis: number): string => {
    const mask = g.op('ReduceMax', [present], { axes: attr.ints(reduceAxes), keepdims: attr.i(0) });
    const n = castFloat(g, g.op('Gather', [shape, g.constInt64([axis], [])]));
    const positions = g.op('Range', [scalar(g, 1), g.op('Add', [n, scalar(g, 1)]), scalar(g, 1)]);
    return g.op('ReduceMax', [g.op('Mul', [mask, positions])], { axes: attr.ints([0]), keepdims: attr.i(0) });
  };
  const width = extent([0, 1, 2], 3);
  const height = extent([0, 1, 3], 2);

  const unit = g.op('Mul', [raw, scalar(g, 1 / 255)]);
  const sum = g.op('ReduceSum', [unit], { keepdims: attr.i(0) });
  const sumSquares = g.op('ReduceSum', [g.op('Mul', [unit, unit])], { keepdims: attr.i(0) });
  const count = g.op('Max', [g.op('Mul', [g.op('Mul', [width, height]), scalar(g, 3)]), scalar(g, 1)]);
  const mean = g.op('Div', [sum, count]);
  const variance = g.op('Sub', [g.op('Div', [sumSquares, count]), g.op('Mul', [mean, mean])]);
  const std = g.op('Sqrt', [g.op('Max', [variance, scalar(g, 0)])]);
  const contrast = g.op('Clip', [g.op('Div', [std, scalar(g, CONTRAST_FOR_FULL_SCORE)]), scalar(g, 0), scalar(g, 1)]);
  return {
    cx: g.op('Mul', [width, scalar(g, 0.5)]),
    cy: g.op('Mul', [height, scalar(g, 0.5)]),
    side: g.op('Max', [g.op('Mul', [g.op('Min', [width, height]), scalar(g, BOX_FRACTION)]), scalar(g, 1)]),
    score: g.op('Mul', [contrast, scalar(g, FULL_SCORE)]),
  };
}

/** Concatenates rank-0 tensors into a vector. */
function vector(g: GraphBuilder, parts: readonly string[]): string {
  const axes = g.constInt64([0]);
  return g.op('Concat', parts.map((p) => g.op('Unsqueeze', [p, axes])), { axis: attr.i(0) });
}

/** The 10 keypoint coordinates (x, y interleaved) in input pixels, shape [10]. */
function keypoints(g: GraphBuilder, face: FaceEstimate): string {
  const centres = vector(g, Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? face.cx : face.cy)));
  return g.op('Add', [centres, g.op('Mul', [g.constFloat(KEYPOINT_OFFSETS, [10], 'kps_offset'), face.side])]);
}

/** Coefficients that spread a per-cell column (even entries) or row (odd entries) over `n` values. */
function interleave(n: number, odd: boolean): number[] {
  return Array.from({ length: n }, (_, i) => Number(i % 2 === (odd ? 1 : 0)));
}

export function yunetStandin(): StandinGraph {
  const g = new GraphBuilder('yunet_standin');
  const input = g.input('input', [1, 3, 640, 640]);
  const face = estimateFace(g, input);
  const outputs: Record<string, string> = {};
  const cellsPerSide = (s: number): number => 640 / s;
  for (const s of STRIDES) {
    if (s === FACE_STRIDE) continue;
    const n = cellsPerSide(s) ** 2;
    outputs[`cls_${s}`] = zeros(g, [1, n, 1]);
    outputs[`obj_${s}`] = zeros(g, [1, n, 1]);
    outputs[`bbox_${s}`] = zeros(g, [1, n, 4]);
    outputs[`kps_${s}`] = zeros(g, [1, n, 10]);
  }
  const side = cellsPerSide(FACE_STRIDE);
  const n = side * side;
  const cols = Array.from({ length: n }, (_, i) => i % side);
  const rows = Array.from({ length: n }, (_, i) => Math.floor(i / side));
  const stride = scalar(g, FACE_STRIDE);
  const cellCol = g.op('Floor', [g.op('Div', [face.cx, stride])]);
  const cellRow = g.op('Floor', [g.op('Div', [face.cy, stride])]);
  const hit = g.op('And', [
    g.op('Equal', [g.constFloat(cols, [n], 'cols'), cellCol]),
    g.op('Equal', [g.constFloat(rows, [n], 'rows'), cellRow]),
  ]);
  // score = sqrt(cls·obj): cls = obj = score on the face's cell.
  const cls = g.op('Reshape', [g.op('Mul', [castFloat(g, hit), face.score]), g.constInt64([1, n, 1])]);
  outputs[`cls_${FACE_STRIDE}`] = cls;
  outputs[`obj_${FACE_STRIDE}`] = cls;
  // Every cell decodes to the same box: cx = (c + bbox0)·s, w = exp(bbox2)·s.
  const logSide = g.op('Log', [g.op('Div', [face.side, stride])]);
  const boxCentre = vector(g, [g.op('Div', [face.cx, stride]), g.op('Div', [face.cy, stride]), logSide, logSide]);
  const cellOffsets4 = cols.flatMap((c, i) => [c, rows[i], 0, 0]);
  const bbox = g.op('Sub', [boxCentre, g.constFloat(cellOffsets4, [n, 4], 'cell_offsets')]);
  outputs[`bbox_${FACE_STRIDE}`] = g.op('Reshape', [bbox, g.constInt64([1, n, 4])]);
  const cellOffsets10 = cols.flatMap((c, i) => Array.from({ length: 10 }, (_, k) => (k % 2 === 0 ? c : rows[i])));
  const kps = g.op('Sub', [g.op('Div', [keypoints(g, face), stride]), g.constFloat(cellOffsets10, [n, 10], 'cell_offsets')]);
  outputs[`kps_${FACE_STRIDE}`] = g.op('Reshape', [kps, g.constInt64([1, n, 10])]);

  for (const kind of ['cls', 'obj', 'bbox', 'kps'] as const) {
    for (const s of STRIDES) {
      const width = kind === 'bbox' ? 4 : kind === 'kps' ? 10 : 1;
      exportAs(g, outputs[`${kind}_${s}`], `${kind}_${s}`, [1, cellsPerSide(s) ** 2, width]);
    }
  }
  return {
    graph: g,
    behaviour:
      'one face: at stride 32 the cell under the centre of the letterboxed content scores ≈ 0.9 (0 for a uniform image; cls = obj), every cell decodes to a square box of 0.45 × the content’s shorter side with 5 keypoints; strides 8 and 16 score 0.',
  };
}

/** det_10g output names: scores, boxes, keypoints for strides 8/16/32. */
const SCRFD_NAMES = { score: ['448', '471', '494'], bbox: ['451', '474', '497'], kps: ['454', '477', '500'] } as const;

export function scrfdStandin(): StandinGraph {
  const g = new GraphBuilder('scrfd_standin');
  const input = g.input('input.1', [1, 3, 'height', 'width']);
  // insightface feeds (rgb − 127.5)/128 with the letterbox padding at 0 before normalisation.
  const raw = g.op('Add', [g.op('Mul', [input, scalar(g, 128)]), scalar(g, 127.5)]);
  const face = estimateFace(g, raw);
  const shape = g.op('Shape', [input]);
  const height = g.op('Gather', [shape, g.constInt64([2], [])]);
  const width = g.op('Gather', [shape, g.constInt64([3], [])]);
  const axes0 = g.constInt64([0]);
  const outputs = { score: [] as string[], bbox: [] as string[], kps: [] as string[] };
  for (const s of STRIDES) {
    const strideInt = g.constInt64([s], []);
    const rowsCount = g.op('Div', [height, strideInt]);
    const colsCount = g.op('Div', [width, strideInt]);
    if (s !== FACE_STRIDE) {
      const anchors = g.op('Unsqueeze', [g.op('Mul', [g.op('Mul', [rowsCount, colsCount]), g.constInt64([2], [])]), axes0]);
      for (const [kind, size] of [['score', 1], ['bbox', 4], ['kps', 10]] as const) {
        outputs[kind].push(zeros(g, g.op('Concat', [anchors, g.constInt64([size])], { axis: attr.i(0) })));
      }
      continue;
    }
    // Two anchors per cell, centred at (col·s, row·s), anchor index = (row·cols + col)·2 + a.
    const grid = g.op('Concat', [g.op('Unsqueeze', [rowsCount, axes0]), g.op('Unsqueeze', [colsCount, axes0]), g.constInt64([2])], { axis: attr.i(0) });
    const perAnchor = (values: string, shape: number[]): string =>
      g.op('Reshape', [g.op('Expand', [g.op('Reshape', [values, g.constInt64(shape)]), grid]), g.constInt64([-1, 1])]);
    const range = (count: string): string => castFloat(g, g.op('Range', [g.constInt64([0], []), count, g.constInt64([1], [])]));
    const col = perAnchor(range(colsCount), [1, -1, 1]);
    const row = perAnchor(range(rowsCount), [-1, 1, 1]);
    const anchor = perAnchor(g.constFloat([0, 1], [2], 'anchor'), [1, 1, 2]);
    const stride = scalar(g, s);
    const hit = g.op('And', [
      g.op('And', [
        g.op('Equal', [col, g.op('Round', [g.op('Div', [face.cx, stride])])]),
        g.op('Equal', [row, g.op('Round', [g.op('Div', [face.cy, stride])])]),
      ]),
      g.op('Equal', [anchor, scalar(g, 0)]),
    ]);
    outputs.score.push(g.op('Mul', [castFloat(g, hit), face.score]));
    // box = centre ∓ distance·s; every anchor decodes to the same box.
    const half = g.op('Mul', [face.side, scalar(g, 0.5)]);
    const corners = vector(g, [
      g.op('Sub', [face.cx, half]),
      g.op('Sub', [face.cy, half]),
      g.op('Add', [face.cx, half]),
      g.op('Add', [face.cy, half]),
    ]);
    const spread = (n: number): string =>
      g.op('Add', [g.op('Mul', [col, g.constFloat(interleave(n, false), [1, n], 'x_mask')]), g.op('Mul', [row, g.constFloat(interleave(n, true), [1, n], 'y_mask')])]);
    const distances = g.op('Sub', [spread(4), g.op('Div', [corners, stride])]);
    outputs.bbox.push(g.op('Mul', [distances, g.constFloat([1, 1, -1, -1], [1, 4], 'sign')]));
    outputs.kps.push(g.op('Sub', [g.op('Div', [keypoints(g, face), stride]), spread(10)]));
  }
  for (const [kind, size] of [['score', 1], ['bbox', 4], ['kps', 10]] as const) {
    outputs[kind].forEach((tensor, i) => {
      exportAs(g, tensor, SCRFD_NAMES[kind][i], [`anchors_${STRIDES[i]}`, size]);
    });
  }
  return {
    graph: g,
    behaviour:
      'any input size (multiples of 32): one face at the stride-32 anchor (a = 0) nearest the centre of the letterboxed content, score ≈ 0.9 (0 for a uniform image), every anchor decodes to a square box of 0.45 × the content’s shorter side with 5 keypoints; strides 8 and 16 score 0.',
  };
}
