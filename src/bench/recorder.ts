/**
 * Collects per-stage milliseconds and frame completion times during a benchmark run and reduces them
 * to medians over the measured frames (the warm-up frames are recorded but left out).
 */
import { mean, median } from '../math/compare.js';
import { MODEL_STAGES, STAGES, clock, type Stage, type StageTimings } from '../pipeline/timings.js';

export interface StageSummary {
  readonly medianMs: number;
  readonly meanMs: number;
}

export interface TimingSummary {
  /** Frames whose stages were measured (after the warm-up). */
  readonly measuredFrames: number;
  readonly stages: Record<Stage, StageSummary>;
  /** Median per frame of M + stitching + W+G inside the pipeline (inflated where they share the cores). */
  readonly modelMs: number;
  /** Median per frame of all stages added up (what a strictly sequential pipeline would take). */
  readonly stageSumMs: number;
  /** Median interval between completed frames: the pipeline's real cost per frame, overlap included. */
  readonly frameMs: number;
  readonly fps: number;
}

export { median };

export class BenchRecorder implements StageTimings {
  private readonly perFrame = new Map<number, Float64Array>();
  private readonly completed: number[] = [];

  constructor(readonly warmup: number) {}

  record(stage: Stage, frame: number, ms: number): void {
    let row = this.perFrame.get(frame);
    if (!row) this.perFrame.set(frame, (row = new Float64Array(STAGES.length)));
    row[STAGES.indexOf(stage)] += ms;
  }

  /** Marks the next frame as done (rendered and handed to the encoder). */
  frameDone(): void {
    this.completed.push(clock());
  }

  summary(): TimingSummary {
    const rows = [...this.perFrame.entries()].filter(([frame]) => frame >= this.warmup).map(([, row]) => row);
    const stageValues = (i: number) => rows.map((r) => r[i]);
    const stages = Object.fromEntries(
      STAGES.map((s, i) => [s, { medianMs: median(stageValues(i)), meanMs: mean(stageValues(i)) }]),
    ) as Record<Stage, StageSummary>;
    const modelIdx = MODEL_STAGES.map((s) => STAGES.indexOf(s));
    const modelMs = median(rows.map((r) => modelIdx.reduce((a, i) => a + r[i], 0)));
    const stageSumMs = median(rows.map((r) => r.reduce((a, b) => a + b, 0)));
    // Interval i is the time between frame i-1 and frame i completing; frame 0 has none.
    const intervals: number[] = [];
    for (let i = Math.max(this.warmup, 1); i < this.completed.length; i++) intervals.push(this.completed[i] - this.completed[i - 1]);
    const frameMs = median(intervals);
    return { measuredFrames: rows.length, stages, modelMs, stageSumMs, frameMs, fps: 1000 / frameMs };
  }
}
