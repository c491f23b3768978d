/**
 * Face crop geometry of the original LivePortrait (`src/utils/crop.py`): from a landmark set to the
 * rotated square around the face, and the similarity transform between the image and the crop.
 *
 * Points are interleaved image coordinates (x0, y0, x1, y1, …). The original computes the anchors,
 * angle, box centre and side in float32 (numpy DTYPE), the matrix in double, stores M_o2c as float32 and
 * M_c2o as its float64 inverse. That arithmetic is reproduced step by step (Math.fround), which makes
 * M_o2c identical to the original's and the warped crops identical pixel for pixel (a 1-ulp difference in
 * the matrix moves OpenCV's 1/32-pixel sampling grid and changes pixels on sharp edges).
 *
 * Difference from the original: `vx` (horizontal shift along the eye axis, as a fraction of the crop
 * side) is applied. The original's `crop_image` never forwards `vx_ratio`, so there it is always 0; with
 * vx = 0 the results are identical.
 */
import { invertAffine, type Matrix3 } from './affine.js';

const f32 = Math.fround;

/**
 * Which landmark set the points are:
 * - 106: InsightFace 2d106det, 203: LivePortrait landmark.onnx — the original's exact rule (anchors +
 *   the box of all points);
 * - 5: detector keypoints (eye, eye, nose, mouth corner, mouth corner), 478: MediaPipe face mesh with
 *   iris — sparse anchors, see `rectFromAnchors`.
 */
export type LandmarkLayout = 5 | 106 | 203 | 478;

export const LANDMARK_LAYOUTS: readonly LandmarkLayout[] = [5, 106, 203, 478];

export type Point = [number, number];

export function layoutOf(points: ArrayLike<number>): LandmarkLayout {
  const n = points.length / 2;
  if (points.length % 2 === 0 && (LANDMARK_LAYOUTS as readonly number[]).includes(n)) return n as LandmarkLayout;
  throw new RangeError(
    `Expected 5, 106, 203 or 478 interleaved landmark points (10, 212, 406 or 956 values) but received ${points.length} values`,
  );
}

function meanOf(points: ArrayLike<number>, indices: readonly number[]): Point {
  let x = 0, y = 0;
  for (const i of indices) {
    x = f32(x + points[2 * i]);
    y = f32(y + points[2 * i + 1]);
  }
  return [f32(x / indices.length), f32(y / indices.length)];
}

function midpoint(a: Point, b: Point): Point {
  return [f32(f32(a[0] + b[0]) / 2), f32(f32(a[1] + b[1]) / 2)];
}

/** The two crop anchors: eye-centre midpoint and lip centre (plus both eye centres), per layout. */
export interface FaceAnchors {
  readonly leftEye: Point;
  readonly rightEye: Point;
  /** Midpoint of the two eye centres. */
  readonly eyes: Point;
  readonly lip: Point;
}

export function landmarkAnchors(points: ArrayLike<number>, layout: LandmarkLayout = layoutOf(points)): FaceAnchors {
  if (points.length !== layout * 2) throw new RangeError(`Expected ${layout * 2} values for the ${layout}-point layout but received ${points.length}`);
  let leftEye: Point, rightEye: Point, lip: Point;
  switch (layout) {
    case 106:
      leftEye = meanOf(points, [33, 35, 40, 39]);
      rightEye = meanOf(points, [87, 89, 94, 93]);
      lip = midpoint(meanOf(points, [52]), meanOf(points, [61]));
      break;
    case 203:
      leftEye = meanOf(points, [0, 6, 12, 18]);
      rightEye = meanOf(points, [24, 30, 36, 42]);
      lip = midpoint(meanOf(points, [48]), meanOf(points, [66]));
      break;
    case 5:
      leftEye = meanOf(points, [0]);
      rightEye = meanOf(points, [1]);
      lip = midpoint(meanOf(points, [3]), meanOf(points, [4]));
      break;
    case 478:
      // Iris centres and the lower inner lip point, as FasterLivePortrait and ComfyUI-LivePortraitKJ.
      leftEye = meanOf(points, [468]);
      rightEye = meanOf(points, [473]);
      lip = meanOf(points, [14]);
      break;
  }
  return { leftEye, rightEye, eyes: midpoint(leftEye, rightEye), lip };
}

/** The face's axes: uy points from the eyes to the lip ("down" the face), ux = (uy.y, −uy.x). */
export interface FaceAxes {
  readonly ux: Point;
  readonly uy: Point;
  /** Rotation of the x axis in radians (θ = acos(ux.x), negated when ux.y < 0). */
  readonly angle: number;
  /** Eye-midpoint to lip distance in pixels. */
  readonly eyeToLip: number;
}

export function faceAxes(anchors: FaceAnchors): FaceAxes {
  let uy0 = f32(anchors.lip[0] - anchors.eyes[0]);
  let uy1 = f32(anchors.lip[1] - anchors.eyes[1]);
  const len = f32(Math.sqrt(f32(f32(uy0 * uy0) + f32(uy1 * uy1))));
  if (len <= 1e-3) {
    uy0 = 0;
    uy1 = 1;
  } else {
    uy0 = f32(uy0 / len);
    uy1 = f32(uy1 / len);
  }
  const ux: Point = [uy1, f32(-uy0)];
  let angle = Math.acos(ux[0]);
  if (ux[1] < 0) angle = -angle;
  return { ux, uy: [uy0, uy1], angle, eyeToLip: len };
}

export interface RectOptions {
  /** Side of the square relative to the landmark box. */
  readonly scale: number;
  /** Shift along ux as a fraction of the side (applied here; the original ignores it). */
  readonly vx?: number;
  /** Shift along uy as a fraction of the side (negative = towards the forehead). */
  readonly vy?: number;
  /** Defaults to the layout implied by the number of points. */
  readonly layout?: LandmarkLayout;
}

/** A rotated square in image coordinates. */
export interface CropRect {
  readonly center: Point;
  /** Side length in pixels (the rectangle is square). */
  readonly size: number;
  /** Rotation in radians (see FaceAxes.angle). */
  readonly angle: number;
}

/**
 * Size and centre of the 106-point landmark box expressed in units of the anchors, for layouts that
 * have no face contour (5 detector keypoints, the face mesh whose extent includes the forehead).
 * Measured on the original's reference 106- and 203-point faces (../shared/vectors/crop_transforms.json):
 * box width ≈ 2.5 × eye distance, box height ≈ 2.1 × eye-to-lip distance, box centre ≈ 0.58 × eye-to-lip
 * below the eye midpoint on the face axis. With these the crop of a 5-point face frames the head like the
 * original's 106-point crop.
 */
export const SPARSE_LAYOUT_BOX = { widthPerEyeDistance: 2.5, heightPerEyeToLip: 2.1, centerBelowEyesPerEyeToLip: 0.58 } as const;

function rectFromAnchors(anchors: FaceAnchors, axes: FaceAxes, scale: number, vx: number, vy: number): CropRect {
  const eyeDistance = Math.hypot(anchors.rightEye[0] - anchors.leftEye[0], anchors.rightEye[1] - anchors.leftEye[1]);
  const d = axes.eyeToLip;
  const side = Math.max(SPARSE_LAYOUT_BOX.widthPerEyeDistance * eyeDistance, SPARSE_LAYOUT_BOX.heightPerEyeToLip * d) * scale;
  const down = SPARSE_LAYOUT_BOX.centerBelowEyesPerEyeToLip * d + vy * side;
  const right = vx * side;
  return {
    center: [anchors.eyes[0] + axes.ux[0] * right + axes.uy[0] * down, anchors.eyes[1] + axes.ux[1] * right + axes.uy[1] * down],
    size: side,
    angle: axes.angle,
  };
}

/**
 * The original's `parse_rect_from_landmark`: the square around the landmarks in the face's own frame,
 * scaled by `scale` and shifted by (vx, vy)·side along (ux, uy).
 */
export function parseRectFromLandmark(points: ArrayLike<number>, options: RectOptions): CropRect {
  const layout = options.layout ?? layoutOf(points);
  const anchors = landmarkAnchors(points, layout);
  const axes = faceAxes(anchors);
  const vx = options.vx ?? 0;
  const vy = options.vy ?? 0;
  if (layout === 5 || layout === 478) return rectFromAnchors(anchors, axes, options.scale, vx, vy);

  const n = points.length / 2;
  let sx = 0, sy = 0;
  for (let i = 0; i < n; i++) {
    sx = f32(sx + points[2 * i]);
    sy = f32(sy + points[2 * i + 1]);
  }
  const c0x = f32(sx / n), c0y = f32(sy / n);
  const [ux0, ux1] = axes.ux;
  const [uy0, uy1] = axes.uy;
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  for (let i = 0; i < n; i++) {
    const px = f32(points[2 * i] - c0x), py = f32(points[2 * i + 1] - c0y);
    const rx = f32(f32(px * ux0) + f32(py * ux1));
    const ry = f32(f32(px * uy0) + f32(py * uy1));
    if (rx < minX) minX = rx;
    if (rx > maxX) maxX = rx;
    if (ry < minY) minY = ry;
    if (ry > maxY) maxY = ry;
  }
  const c1x = f32(f32(minX + maxX) / 2), c1y = f32(f32(minY + maxY) / 2);
  const side = f32(Math.max(f32(maxX - minX), f32(maxY - minY)) * f32(options.scale));
  const shiftX = f32(f32(vx) * side), shiftY = f32(f32(vy) * side);
  const cx = f32(f32(f32(f32(c0x + f32(ux0 * c1x)) + f32(uy0 * c1y)) + f32(ux0 * shiftX)) + f32(uy0 * shiftY));
  const cy = f32(f32(f32(f32(c0y + f32(ux1 * c1x)) + f32(uy1 * c1y)) + f32(ux1 * shiftX)) + f32(uy1 * shiftY));
  return { center: [cx, cy], size: side, angle: axes.angle };
}

export interface CropOptions extends RectOptions {
  /** Output side in pixels. */
  readonly dsize: number;
  /** Rotate the crop upright (the original's flag_do_rot, default true). */
  readonly rotate?: boolean;
}

export interface CropTransform extends CropRect {
  /** Image → crop, 3x3 (entries rounded to float32 like the original). */
  readonly M_o2c: Matrix3;
  /** Crop → image, 3x3, the float64 inverse of M_o2c. */
  readonly M_c2o: Matrix3;
}

/** The similarity that maps the rect's centre to the crop centre, scales side → dsize and undoes the angle. */
export function cropTransformFromRect(rect: CropRect, dsize: number, rotate = true): CropTransform {
  // The matrix is computed in double precision from the float32 centre and side, then stored as float32.
  const s = dsize / rect.size;
  const t = dsize / 2;
  const [cx, cy] = rect.center;
  let m: number[];
  if (rotate) {
    const c = Math.cos(rect.angle), n = Math.sin(rect.angle);
    m = [s * c, s * n, t - s * (c * cx + n * cy), -s * n, s * c, t - s * (-n * cx + c * cy)];
  } else {
    m = [s, 0, t - s * cx, 0, s, t - s * cy];
  }
  const M_o2c = Float64Array.of(...m.map(f32), 0, 0, 1);
  return { ...rect, M_o2c, M_c2o: invertAffine(M_o2c) };
}

/** The original's `crop_image` geometry (`_estimate_similar_transform_from_pts`), vx applied. */
export function cropTransform(points: ArrayLike<number>, options: CropOptions): CropTransform {
  return cropTransformFromRect(parseRectFromLandmark(points, options), options.dsize, options.rotate ?? true);
}

/** An axis-aligned box [x1, y1, x2, y2] in pixels. */
export type Box = [number, number, number, number];

export interface LandmarkBox extends CropRect {
  /** Axis-aligned square around the centre, [x1, y1, x2, y2]. */
  readonly box: Box;
  /** Its four corners (left-top, right-top, right-bottom, left-bottom), interleaved. */
  readonly corners: Float64Array;
  /** The same corners rotated by the face angle about the centre. */
  readonly cornersRotated: Float64Array;
}

/** The original's `parse_bbox_from_landmark` (driving auto-crop: scale 2.2, vy −0.1). */
export function parseBboxFromLandmark(points: ArrayLike<number>, options: RectOptions): LandmarkBox {
  const rect = parseRectFromLandmark(points, options);
  const [cx, cy] = rect.center;
  const h = rect.size / 2;
  const corners = Float64Array.of(cx - h, cy - h, cx + h, cy - h, cx + h, cy + h, cx - h, cy + h).map(f32);
  const c = f32(Math.cos(rect.angle)), s = f32(Math.sin(rect.angle));
  const cornersRotated = new Float64Array(8);
  for (let i = 0; i < 8; i += 2) {
    const dx = corners[i] - cx, dy = corners[i + 1] - cy;
    cornersRotated[i] = f32(dx * c - dy * s + cx);
    cornersRotated[i + 1] = f32(dx * s + dy * c + cy);
  }
  return { ...rect, box: [corners[0], corners[1], corners[4], corners[5]], corners, cornersRotated };
}

/**
 * The original's `crop_image_by_bbox` without rotation: the square box is scaled to dsize and centred.
 * The box's width sets the scale (the original warns when it is not square).
 */
export function cropTransformFromBox(box: Box, dsize: number): CropTransform {
  const [left, top, right, bottom] = box;
  const size = right - left;
  if (!(size > 0)) throw new RangeError(`Expected a box with positive width but received [${box.join(', ')}]`);
  return cropTransformFromRect({ center: [f32((left + right) / 2), f32((top + bottom) / 2)], size, angle: 0 }, dsize, false);
}

/** The original's `average_bbox_lst`: the coordinate-wise mean of per-frame boxes (undefined for none). */
export function averageBoxes(boxes: readonly Box[]): Box | undefined {
  if (boxes.length === 0) return undefined;
  const sum = [0, 0, 0, 0];
  for (const b of boxes) for (let i = 0; i < 4; i++) sum[i] += b[i];
  return sum.map((v) => v / boxes.length) as Box;
}

/** Image → size×size crop centred on `box`, the crop side being `enlarge` × the box's longer side (no rotation). */
export function boxCenteredTransform(box: Box, size: number, enlarge: number): Float64Array {
  const w = box[2] - box[0], h = box[3] - box[1];
  const cx = (box[0] + box[2]) / 2, cy = (box[1] + box[3]) / 2;
  const s = size / (Math.max(w, h) * enlarge);
  return Float64Array.of(s, 0, size / 2 - s * cx, 0, s, size / 2 - s * cy);
}
