/** Access to the reference vectors in ../shared/vectors (tests skip when they are absent). */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import assert from 'node:assert/strict';

export const SHARED = process.env.LIVEPORTRAIT_SHARED ?? resolve(process.cwd(), '../shared');
export const VECTORS = resolve(SHARED, 'vectors');
export const NO_SHARED: false | string = !existsSync(VECTORS) && 'needs ../shared (reference data)';

export type Nested = number | Nested[];

export interface VectorFile<C> {
  description: string;
  tolerance: { abs?: number; rel?: number };
  cases: C[];
  [key: string]: unknown;
}

/** Parses ../shared/vectors/<name>; call only inside a test that is skipped when NO_SHARED. */
export function loadVectors<C>(name: string): VectorFile<C> {
  return JSON.parse(readFileSync(resolve(VECTORS, name), 'utf8')) as VectorFile<C>;
}

export function flat(values: Nested): number[] {
  return Array.isArray(values) ? values.flatMap((v) => flat(v)) : [values];
}

/** Element-wise |actual − expected| ≤ abs, naming the first offending index. */
export function assertClose(actual: ArrayLike<number> | number, expected: Nested, abs: number, label: string): void {
  const a = typeof actual === 'number' ? [actual] : Array.from(actual);
  const e = flat(expected);
  assert.equal(a.length, e.length, `${label}: length ${a.length} vs expected ${e.length}`);
  let worst = 0;
  let worstIndex = -1;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - e[i]);
    if (Number.isNaN(d)) assert.fail(`${label}: NaN at index ${i} (got ${a[i]}, expected ${e[i]})`);
    if (d > worst) {
      worst = d;
      worstIndex = i;
    }
  }
  assert.ok(worst <= abs, `${label}: |diff| ${worst} > ${abs} at index ${worstIndex} (got ${a[worstIndex]}, expected ${e[worstIndex]})`);
}

export function assertRelClose(actual: number, expected: number, rel: number, label: string): void {
  const r = Math.abs(actual - expected) / Math.abs(expected);
  assert.ok(Number.isFinite(r) && r <= rel, `${label}: relative difference ${r} > ${rel} (got ${actual}, expected ${expected})`);
}
