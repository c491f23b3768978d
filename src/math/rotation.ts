/**
 * Head pose: bin logits → degrees, Euler angles → rotation matrix, and the few 3×3 helpers the
 * motion math needs.
 *
 * Convention (as in the original LivePortrait): keypoints are ROW vectors multiplied on the right,
 * `x = kp · R`, and `R = (Rz(roll) · Ry(yaw) · Rx(pitch))ᵀ`. Matrices are row-major Float64Array(9).
 */

/** Row-major 3×3 matrix in the row-vector convention (points are multiplied on the right: p·R). */
export type Mat3 = Float64Array;

/** Number of head-pose bins per angle produced by the motion extractor. */
export const HEADPOSE_BINS = 66;

/**
 * Expected angle of the 66 bin logits: softmax, then 3·Σ pᵢ·i − 97.5 (degrees, range ±97.5).
 * The softmax is shifted by the maximum logit so large logits cannot overflow.
 */
export function headposeToDegrees(logits: ArrayLike<number>): number {
  if (logits.length !== HEADPOSE_BINS) {
    throw new RangeError(`Expected ${HEADPOSE_BINS} head-pose logits but received ${logits.length}`);
  }
  let max = -Infinity;
  for (let i = 0; i < HEADPOSE_BINS; i++) if (logits[i] > max) max = logits[i];
  let sum = 0;
  let weighted = 0;
  for (let i = 0; i < HEADPOSE_BINS; i++) {
    const e = Math.exp(logits[i] - max);
    sum += e;
    weighted += e * i;
  }
  return (weighted / sum) * 3 - 97.5;
}

const DEG_TO_RAD = Math.PI / 180;

/**
 * R = (Rz(roll)·Ry(yaw)·Rx(pitch))ᵀ from angles in degrees, written into `out` when given.
 * Rx = [[1,0,0],[0,cx,−sx],[0,sx,cx]], Ry = [[cy,0,sy],[0,1,0],[−sy,0,cy]], Rz = [[cz,−sz,0],[sz,cz,0],[0,0,1]].
 */
export function rotationMatrix(pitchDeg: number, yawDeg: number, rollDeg: number, out: Mat3 = new Float64Array(9)): Mat3 {
  const x = pitchDeg * DEG_TO_RAD;
  const y = yawDeg * DEG_TO_RAD;
  const z = rollDeg * DEG_TO_RAD;
  const cx = Math.cos(x);
  const sx = Math.sin(x);
  const cy = Math.cos(y);
  const sy = Math.sin(y);
  const cz = Math.cos(z);
  const sz = Math.sin(z);
  // M = Rz·Ry·Rx expanded; out = Mᵀ.
  const m00 = cz * cy;
  const m01 = cz * sy * sx - sz * cx;
  const m02 = cz * sy * cx + sz * sx;
  const m10 = sz * cy;
  const m11 = sz * sy * sx + cz * cx;
  const m12 = sz * sy * cx - cz * sx;
  const m20 = 0 - sy; // not -sy: keeps R(0,0,0) free of negative zeros
  const m21 = cy * sx;
  const m22 = cy * cx;
  out[0] = m00;
  out[1] = m10;
  out[2] = m20;
  out[3] = m01;
  out[4] = m11;
  out[5] = m21;
  out[6] = m02;
  out[7] = m12;
  out[8] = m22;
  return out;
}

export function mat3Identity(out: Mat3 = new Float64Array(9)): Mat3 {
  out.fill(0);
  out[0] = 1;
  out[4] = 1;
  out[8] = 1;
  return out;
}

/** Copies any 9-value row-major matrix (e.g. a Float32Array from a template) into a Mat3. */
export function mat3From(values: ArrayLike<number>, out: Mat3 = new Float64Array(9)): Mat3 {
  if (values.length !== 9) throw new RangeError(`Expected 9 matrix values but received ${values.length}`);
  for (let i = 0; i < 9; i++) out[i] = values[i];
  return out;
}

/** a·b. `out` may alias `a` or `b`. */
export function mat3Mul(a: ArrayLike<number>, b: ArrayLike<number>, out: Mat3 = new Float64Array(9)): Mat3 {
  const a00 = a[0], a01 = a[1], a02 = a[2], a10 = a[3], a11 = a[4], a12 = a[5], a20 = a[6], a21 = a[7], a22 = a[8];
  const b00 = b[0], b01 = b[1], b02 = b[2], b10 = b[3], b11 = b[4], b12 = b[5], b20 = b[6], b21 = b[7], b22 = b[8];
  out[0] = a00 * b00 + a01 * b10 + a02 * b20;
  out[1] = a00 * b01 + a01 * b11 + a02 * b21;
  out[2] = a00 * b02 + a01 * b12 + a02 * b22;
  out[3] = a10 * b00 + a11 * b10 + a12 * b20;
  out[4] = a10 * b01 + a11 * b11 + a12 * b21;
  out[5] = a10 * b02 + a11 * b12 + a12 * b22;
  out[6] = a20 * b00 + a21 * b10 + a22 * b20;
  out[7] = a20 * b01 + a21 * b11 + a22 * b21;
  out[8] = a20 * b02 + a21 * b12 + a22 * b22;
  return out;
}

/** a·bᵀ without forming bᵀ. `out` may alias `a` or `b`. */
export function mat3MulTransposed(a: ArrayLike<number>, b: ArrayLike<number>, out: Mat3 = new Float64Array(9)): Mat3 {
  const a00 = a[0], a01 = a[1], a02 = a[2], a10 = a[3], a11 = a[4], a12 = a[5], a20 = a[6], a21 = a[7], a22 = a[8];
  const b00 = b[0], b01 = b[1], b02 = b[2], b10 = b[3], b11 = b[4], b12 = b[5], b20 = b[6], b21 = b[7], b22 = b[8];
  out[0] = a00 * b00 + a01 * b01 + a02 * b02;
  out[1] = a00 * b10 + a01 * b11 + a02 * b12;
  out[2] = a00 * b20 + a01 * b21 + a02 * b22;
  out[3] = a10 * b00 + a11 * b01 + a12 * b02;
  out[4] = a10 * b10 + a11 * b11 + a12 * b12;
  out[5] = a10 * b20 + a11 * b21 + a12 * b22;
  out[6] = a20 * b00 + a21 * b01 + a22 * b02;
  out[7] = a20 * b10 + a21 * b11 + a22 * b12;
  out[8] = a20 * b20 + a21 * b21 + a22 * b22;
  return out;
}

/** aᵀ. `out` may alias `a`. */
export function mat3Transpose(a: ArrayLike<number>, out: Mat3 = new Float64Array(9)): Mat3 {
  const a01 = a[1], a02 = a[2], a12 = a[5];
  out[0] = a[0];
  out[4] = a[4];
  out[8] = a[8];
  out[1] = a[3];
  out[2] = a[6];
  out[5] = a[7];
  out[3] = a01;
  out[6] = a02;
  out[7] = a12;
  return out;
}

export function mat3Determinant(a: ArrayLike<number>): number {
  return (
    a[0] * (a[4] * a[8] - a[5] * a[7]) - a[1] * (a[3] * a[8] - a[5] * a[6]) + a[2] * (a[3] * a[7] - a[4] * a[6])
  );
}

/** True when a·aᵀ = I within `tolerance` (element-wise). Says nothing about the sign of the determinant. */
export function isOrthonormal(a: ArrayLike<number>, tolerance = 1e-9): boolean {
  const p = mat3MulTransposed(a, a);
  for (let r = 0; r < 3; r++) {
    for (let c = 0; c < 3; c++) {
      if (Math.abs(p[r * 3 + c] - (r === c ? 1 : 0)) > tolerance) return false;
    }
  }
  return true;
}

/** True for a proper rotation: orthonormal with determinant +1. */
export function isRotation(a: ArrayLike<number>, tolerance = 1e-9): boolean {
  return isOrthonormal(a, tolerance) && Math.abs(mat3Determinant(a) - 1) <= tolerance;
}
