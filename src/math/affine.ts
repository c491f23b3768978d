/**
 * 2-D affine transforms. A transform is stored row-major as either a 2x3 matrix (6 numbers) or a 3x3
 * homogeneous matrix (9 numbers, last row 0 0 1). The first six entries are the same in both layouts,
 * so every function that applies a transform accepts either.
 *
 *   x' = m[0]·x + m[1]·y + m[2]
 *   y' = m[3]·x + m[4]·y + m[5]
 */

/** A 2x3 (length 6) or 3x3 (length 9) row-major affine matrix. */
export type AffineLike = ArrayLike<number>;

/** A 2x3 row-major affine matrix. */
export type Affine2x3 = Float64Array;

/** A 3x3 row-major homogeneous matrix. */
export type Matrix3 = Float64Array;

function checkAffine(m: AffineLike, name = 'matrix'): void {
  if (m.length !== 6 && m.length !== 9) {
    throw new RangeError(`Expected a 2x3 (6 values) or 3x3 (9 values) affine ${name} but received ${m.length} values`);
  }
}

export function identityAffine(): Affine2x3 {
  return Float64Array.of(1, 0, 0, 0, 1, 0);
}

/** The 2x3 part of a 2x3 or 3x3 matrix, as a new array. */
export function toAffine2x3(m: AffineLike): Affine2x3 {
  checkAffine(m);
  return Float64Array.of(m[0], m[1], m[2], m[3], m[4], m[5]);
}

/** The 3x3 homogeneous form (last row 0 0 1). */
export function toMatrix3(m: AffineLike): Matrix3 {
  checkAffine(m);
  return Float64Array.of(m[0], m[1], m[2], m[3], m[4], m[5], 0, 0, 1);
}

/** Inverse of an affine transform; returns the same layout (2x3 or 3x3) as the input. */
export function invertAffine(m: AffineLike): Float64Array {
  checkAffine(m);
  const a = m[0], b = m[1], c = m[2], d = m[3], e = m[4], f = m[5];
  const det = a * e - b * d;
  if (det === 0 || !Number.isFinite(det)) throw new RangeError('Cannot invert a singular affine matrix');
  const ia = e / det, ib = -b / det, id = -d / det, ie = a / det;
  const ic = -(ia * c + ib * f);
  const jf = -(id * c + ie * f);
  return m.length === 9 ? Float64Array.of(ia, ib, ic, id, ie, jf, 0, 0, 1) : Float64Array.of(ia, ib, ic, id, ie, jf);
}

/**
 * Composition `outer ∘ inner`: the transform that applies `inner` first and then `outer`
 * (matrix product outer·inner). Returns a 3x3 when either input is 3x3, else 2x3.
 */
export function composeAffine(outer: AffineLike, inner: AffineLike): Float64Array {
  checkAffine(outer, 'outer matrix');
  checkAffine(inner, 'inner matrix');
  const a = outer[0] * inner[0] + outer[1] * inner[3];
  const b = outer[0] * inner[1] + outer[1] * inner[4];
  const c = outer[0] * inner[2] + outer[1] * inner[5] + outer[2];
  const d = outer[3] * inner[0] + outer[4] * inner[3];
  const e = outer[3] * inner[1] + outer[4] * inner[4];
  const f = outer[3] * inner[2] + outer[4] * inner[5] + outer[5];
  return outer.length === 9 || inner.length === 9 ? Float64Array.of(a, b, c, d, e, f, 0, 0, 1) : Float64Array.of(a, b, c, d, e, f);
}

/** Applies a transform to one point. */
export function transformPoint(m: AffineLike, x: number, y: number): [number, number] {
  return [m[0] * x + m[1] * y + m[2], m[3] * x + m[4] * y + m[5]];
}

/**
 * Applies a transform to interleaved points (x0, y0, x1, y1, …), i.e. p' = p·Aᵀ + b as in the original's
 * `_transform_pts`. Returns a new Float64Array unless `out` is given (it may alias `points`).
 */
export function transformPoints<T extends Float32Array | Float64Array = Float64Array>(m: AffineLike, points: ArrayLike<number>, out?: T): T {
  checkAffine(m);
  if (points.length % 2 !== 0) throw new RangeError(`Expected interleaved x,y points but received ${points.length} values`);
  const dst = (out ?? new Float64Array(points.length)) as T;
  const a = m[0], b = m[1], c = m[2], d = m[3], e = m[4], f = m[5];
  for (let i = 0; i < points.length; i += 2) {
    const x = points[i], y = points[i + 1];
    dst[i] = a * x + b * y + c;
    dst[i + 1] = d * x + e * y + f;
  }
  return dst;
}

/** Similarity transform scale·R(θ) + t, with θ counter-clockwise in the image's y-down frame as in OpenCV. */
export function similarityAffine(scale: number, angleRad: number, tx: number, ty: number): Affine2x3 {
  const c = Math.cos(angleRad) * scale, s = Math.sin(angleRad) * scale;
  return Float64Array.of(c, s, tx, -s, c, ty);
}
