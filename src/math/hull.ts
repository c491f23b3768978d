/**
 * Volume of the convex hull of a small 3-D point set (the expression-friendly motion multiplier
 * compares the hull volumes of two 21-keypoint sets; the original uses scipy's Qhull).
 *
 * Incremental hull in float64: start from a non-degenerate tetrahedron, add points farthest-first,
 * replace the faces each point sees by a fan over their horizon. Points within a tolerance of the
 * current hull (relative to the point cloud's extent) count as inside, which makes coplanar and
 * collinear input safe; flat, collinear or coincident input has volume 0.
 */

/** Distances below this fraction of the point cloud's extent are treated as zero. */
const RELATIVE_TOLERANCE = 1e-10;
/** Extra insertion orders tried if rounding ever leaves the face graph inconsistent. */
const RETRIES = 3;

interface Face {
  a: number;
  b: number;
  c: number;
  /** Unit outward normal and plane offset; a zero normal marks a sliver that no point can see. */
  nx: number;
  ny: number;
  nz: number;
  offset: number;
  alive: boolean;
}

class InconsistentHull extends Error {}

/**
 * Volume of the convex hull of `n` points stored as x,y,z triples in `points`.
 * Returns 0 for fewer than 4 points or when all points are (nearly) coplanar.
 */
export function convexHullVolume(points: ArrayLike<number>, n: number): number {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`Expected a non-negative integer point count but received ${n}`);
  if (points.length < n * 3) {
    throw new RangeError(`Expected at least ${n * 3} coordinates for ${n} points but received ${points.length}`);
  }
  const p = new Float64Array(n * 3);
  for (let i = 0; i < n * 3; i++) {
    const v = points[i];
    if (!Number.isFinite(v)) throw new RangeError(`Point coordinate ${i} is not a finite number: ${v}`);
    p[i] = v;
  }
  if (n < 4) return 0;

  let extent = 0;
  for (let axis = 0; axis < 3; axis++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < n; i++) {
      lo = Math.min(lo, p[i * 3 + axis]);
      hi = Math.max(hi, p[i * 3 + axis]);
    }
    extent = Math.max(extent, hi - lo);
  }
  if (extent === 0) return 0;
  const tolerance = extent * RELATIVE_TOLERANCE;

  const simplex = initialSimplex(p, n, tolerance);
  if (simplex === null) return 0;

  const rest: number[] = [];
  for (let i = 0; i < n; i++) if (!simplex.includes(i)) rest.push(i);
  const cx = (p[simplex[0] * 3] + p[simplex[1] * 3] + p[simplex[2] * 3] + p[simplex[3] * 3]) / 4;
  const cy = (p[simplex[0] * 3 + 1] + p[simplex[1] * 3 + 1] + p[simplex[2] * 3 + 1] + p[simplex[3] * 3 + 1]) / 4;
  const cz = (p[simplex[0] * 3 + 2] + p[simplex[1] * 3 + 2] + p[simplex[2] * 3 + 2] + p[simplex[3] * 3 + 2]) / 4;
  const dist2 = (i: number) => (p[i * 3] - cx) ** 2 + (p[i * 3 + 1] - cy) ** 2 + (p[i * 3 + 2] - cz) ** 2;
  // Farthest points first: later, nearer points then mostly fall inside and are skipped.
  rest.sort((i, j) => dist2(j) - dist2(i) || i - j);

  let order = rest;
  for (let attempt = 0; ; attempt++) {
    try {
      return hullVolume(p, n, simplex, order, tolerance, cx, cy, cz);
    } catch (error) {
      if (!(error instanceof InconsistentHull) || attempt >= RETRIES) throw error;
      order = rotateOrder(rest, attempt + 1);
    }
  }
}

/** A deterministic reshuffle of the insertion order for a retry. */
function rotateOrder(order: readonly number[], seed: number): number[] {
  const out = order.slice();
  let state = 0x9e3779b9 ^ seed;
  for (let i = out.length - 1; i > 0; i--) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

function initialSimplex(p: Float64Array, n: number, tolerance: number): [number, number, number, number] | null {
  let i0 = 0;
  for (let i = 1; i < n; i++) if (p[i * 3] < p[i0 * 3]) i0 = i;

  let i1 = -1;
  let best = tolerance;
  for (let i = 0; i < n; i++) {
    const d = Math.hypot(p[i * 3] - p[i0 * 3], p[i * 3 + 1] - p[i0 * 3 + 1], p[i * 3 + 2] - p[i0 * 3 + 2]);
    if (d > best) {
      best = d;
      i1 = i;
    }
  }
  if (i1 < 0) return null;

  const ux = p[i1 * 3] - p[i0 * 3], uy = p[i1 * 3 + 1] - p[i0 * 3 + 1], uz = p[i1 * 3 + 2] - p[i0 * 3 + 2];
  const ulen = Math.hypot(ux, uy, uz);
  let i2 = -1;
  best = tolerance;
  for (let i = 0; i < n; i++) {
    const vx = p[i * 3] - p[i0 * 3], vy = p[i * 3 + 1] - p[i0 * 3 + 1], vz = p[i * 3 + 2] - p[i0 * 3 + 2];
    const d = Math.hypot(uy * vz - uz * vy, uz * vx - ux * vz, ux * vy - uy * vx) / ulen;
    if (d > best) {
      best = d;
      i2 = i;
    }
  }
  if (i2 < 0) return null;

  const wx = p[i2 * 3] - p[i0 * 3], wy = p[i2 * 3 + 1] - p[i0 * 3 + 1], wz = p[i2 * 3 + 2] - p[i0 * 3 + 2];
  let nx = uy * wz - uz * wy, ny = uz * wx - ux * wz, nz = ux * wy - uy * wx;
  const nlen = Math.hypot(nx, ny, nz);
  nx /= nlen;
  ny /= nlen;
  nz /= nlen;
  let i3 = -1;
  best = tolerance;
  for (let i = 0; i < n; i++) {
    const d = Math.abs(nx * (p[i * 3] - p[i0 * 3]) + ny * (p[i * 3 + 1] - p[i0 * 3 + 1]) + nz * (p[i * 3 + 2] - p[i0 * 3 + 2]));
    if (d > best) {
      best = d;
      i3 = i;
    }
  }
  if (i3 < 0) return null;
  return [i0, i1, i2, i3];
}

function hullVolume(
  p: Float64Array,
  n: number,
  simplex: readonly number[],
  order: readonly number[],
  tolerance: number,
  cx: number,
  cy: number,
  cz: number,
): number {
  const faces: Face[] = [];
  /** Directed edge a→b (key a·n+b) → index of the face that has it. */
  const edgeOwner = new Map<number, number>();

  const addFace = (a: number, b: number, c: number): void => {
    const ax = p[a * 3], ay = p[a * 3 + 1], az = p[a * 3 + 2];
    const ux = p[b * 3] - ax, uy = p[b * 3 + 1] - ay, uz = p[b * 3 + 2] - az;
    const vx = p[c * 3] - ax, vy = p[c * 3 + 1] - ay, vz = p[c * 3 + 2] - az;
    let nx = uy * vz - uz * vy, ny = uz * vx - ux * vz, nz = ux * vy - uy * vx;
    const len = Math.hypot(nx, ny, nz);
    if (len > 0) {
      nx /= len;
      ny /= len;
      nz /= len;
    }
    const index = faces.length;
    faces.push({ a, b, c, nx, ny, nz, offset: nx * ax + ny * ay + nz * az, alive: true });
    for (const [u, v] of [[a, b], [b, c], [c, a]] as const) {
      const key = u * n + v;
      if (edgeOwner.has(key)) throw new InconsistentHull();
      edgeOwner.set(key, index);
    }
  };
  const distance = (f: Face, i: number): number =>
    f.nx === 0 && f.ny === 0 && f.nz === 0
      ? -Infinity
      : f.nx * p[i * 3] + f.ny * p[i * 3 + 1] + f.nz * p[i * 3 + 2] - f.offset;

  // Orient each simplex face so that its normal points away from the simplex centroid.
  const [s0, s1, s2, s3] = simplex;
  for (const [a, b, c, opposite] of [
    [s0, s1, s2, s3],
    [s0, s1, s3, s2],
    [s0, s2, s3, s1],
    [s1, s2, s3, s0],
  ] as const) {
    const ax = p[a * 3], ay = p[a * 3 + 1], az = p[a * 3 + 2];
    const ux = p[b * 3] - ax, uy = p[b * 3 + 1] - ay, uz = p[b * 3 + 2] - az;
    const vx = p[c * 3] - ax, vy = p[c * 3 + 1] - ay, vz = p[c * 3 + 2] - az;
    const wx = p[opposite * 3] - ax, wy = p[opposite * 3 + 1] - ay, wz = p[opposite * 3 + 2] - az;
    const side = wx * (uy * vz - uz * vy) + wy * (uz * vx - ux * vz) + wz * (ux * vy - uy * vx);
    if (side < 0) addFace(a, b, c);
    else addFace(a, c, b);
  }

  const visible = new Set<number>();
  const stack: number[] = [];
  for (const point of order) {
    let start = -1;
    let farthest = tolerance;
    for (let f = 0; f < faces.length; f++) {
      if (!faces[f].alive) continue;
      const d = distance(faces[f], point);
      if (d > farthest) {
        farthest = d;
        start = f;
      }
    }
    if (start < 0) continue;

    // The faces the point sees, grown from the one it sees best so the region stays connected.
    visible.clear();
    visible.add(start);
    stack.length = 0;
    stack.push(start);
    while (stack.length > 0) {
      const f = faces[stack.pop() as number];
      for (const [u, v] of [[f.a, f.b], [f.b, f.c], [f.c, f.a]]) {
        const neighbour = edgeOwner.get(v * n + u);
        if (neighbour === undefined) throw new InconsistentHull();
        if (!visible.has(neighbour) && distance(faces[neighbour], point) > tolerance) {
          visible.add(neighbour);
          stack.push(neighbour);
        }
      }
    }

    const horizon: number[] = [];
    for (const index of visible) {
      const f = faces[index];
      for (const [u, v] of [[f.a, f.b], [f.b, f.c], [f.c, f.a]]) {
        if (!visible.has(edgeOwner.get(v * n + u) as number)) horizon.push(u, v);
      }
    }
    for (const index of visible) {
      const f = faces[index];
      f.alive = false;
      edgeOwner.delete(f.a * n + f.b);
      edgeOwner.delete(f.b * n + f.c);
      edgeOwner.delete(f.c * n + f.a);
    }
    for (let h = 0; h < horizon.length; h += 2) addFace(horizon[h], horizon[h + 1], point);
  }

  // Divergence theorem: signed tetrahedra from an interior point to every outward face.
  let volume = 0;
  for (const f of faces) {
    if (!f.alive) continue;
    const ax = p[f.a * 3] - cx, ay = p[f.a * 3 + 1] - cy, az = p[f.a * 3 + 2] - cz;
    const bx = p[f.b * 3] - cx, by = p[f.b * 3 + 1] - cy, bz = p[f.b * 3 + 2] - cz;
    const qx = p[f.c * 3] - cx, qy = p[f.c * 3 + 1] - cy, qz = p[f.c * 3 + 2] - cz;
    volume += ax * (by * qz - bz * qy) + ay * (bz * qx - bx * qz) + az * (bx * qy - by * qx);
  }
  return volume / 6;
}
