/**
 * The constant coordinate grid of the warping module (pure, no I/O).
 *
 * Element [d, h, w] = (2·w/(W−1) − 1, 2·h/(H−1) − 1, 2·d/(D−1) − 1): x runs along W, y along H, z along
 * D, each spanning exactly −1…+1, computed in float32 as index ÷ (N−1), times 2, minus 1 like the
 * original `make_coordinate_grid`. It is paired with GridSample align_corners = 0, so it is not an exact
 * identity resampling; the trained weights expect exactly this.
 */

/** Layout D×H×W×3 (xyz last). */
export function identityGrid(depth: number, height: number, width: number): Float32Array {
  const axis = (n: number): Float32Array => {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = Math.fround(2 * Math.fround(i / (n - 1))) - 1;
    return out;
  };
  const xs = axis(width);
  const ys = axis(height);
  const zs = axis(depth);
  const grid = new Float32Array(depth * height * width * 3);
  let o = 0;
  for (let d = 0; d < depth; d++) {
    for (let h = 0; h < height; h++) {
      for (let w = 0; w < width; w++) {
        grid[o++] = xs[w];
        grid[o++] = ys[h];
        grid[o++] = zs[d];
      }
    }
  }
  return grid;
}
