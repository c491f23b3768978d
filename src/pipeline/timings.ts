/**
 * An optional per-stage timing hook for the frame pipeline (benchmarks). When no recorder is passed the
 * pipeline only tests `undefined` per stage: no clock reads, no allocations. Isomorphic.
 */

/** The stages of one animated frame, in pipeline order. */
export const STAGES = ['decode', 'detect', 'crop', 'motion', 'stitching', 'warp', 'paste', 'encode'] as const;
export type Stage = (typeof STAGES)[number];

/** The model stages (M, the stitching/retargeting MLPs, W+G): what "model-only" time adds up. */
export const MODEL_STAGES: readonly Stage[] = ['motion', 'stitching', 'warp'];

/** Receives the milliseconds a stage took for one frame (a stage may report several times per frame). */
export interface StageTimings {
  record(stage: Stage, frame: number, ms: number): void;
}

/** The clock the hook uses (monotonic, sub-millisecond). */
export function clock(): number {
  return performance.now();
}

/** Start of a timed span: 0 without a recorder, so absent timings never read the clock. */
export function spanStart(timings: StageTimings | undefined): number {
  return timings ? clock() : 0;
}

/** Records the span since `since` for `stage` and returns the new start; a no-op without a recorder. */
export function lap(timings: StageTimings | undefined, stage: Stage, frame: number, since: number): number {
  if (!timings) return 0;
  const now = clock();
  timings.record(stage, frame, now - since);
  return now;
}
