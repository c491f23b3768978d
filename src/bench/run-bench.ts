/**
 * `liveportrait bench`: runs the real pipeline (video → mp4 with paste-back) on a pack and reports the
 * per-stage milliseconds, end-to-end frame rate, model-only time, pipeline overhead and peak RSS.
 * Node only.
 */
import { cpus, tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { probeMedia } from '../io/probe.js';
import { createEngine, animateFile, prepareSourceFile, type Engine } from '../pipeline/run.js';
import { resolveAnimateOptions, type AnimateOptionsInput } from '../pipeline/options.js';
import { FrameAnimator } from '../pipeline/animator.js';
import { openDriver } from '../pipeline/drivers.js';
import { modelInput } from '../pipeline/source.js';
import { clock } from '../pipeline/timings.js';
import type { Device, Precision } from '../settings.js';
import { expectInteger } from '../validate.js';
import { BenchRecorder, median, type TimingSummary } from './recorder.js';
import { groupPhoto } from './group-picture.js';

export interface BenchOptions {
  /** Model pack directory. */
  readonly models: string;
  readonly device?: Device;
  /** Intra-op threads (0 or absent: one per core present). */
  readonly threads?: number;
  /** fp32 (default) or int8 (the pack's quantized variants). */
  readonly precision?: Precision;
  /** Measured frames (after the warm-up). */
  readonly frames: number;
  readonly warmup: number;
  readonly source: string;
  readonly driving: string;
  /** Keep the result here (default: a temporary file, removed afterwards). */
  readonly output?: string;
  /** Extra animation options (e.g. crop.cropDriving 'on' to time per-frame face tracking). */
  readonly animate?: AnimateOptionsInput;
  /** Frames of the isolated model-only pass (default 3). */
  readonly modelFrames?: number;
  readonly onFrame?: (done: number, total: number) => void;
}

export interface BenchResult {
  readonly pack: { readonly dir: string; readonly name: string; readonly kind: string };
  readonly device: Device;
  readonly threads: number;
  readonly precision: Precision;
  /** Roles that ran their int8 variants. */
  readonly quantizedRoles: readonly string[];
  readonly cpu: { readonly model: string; readonly cores: number };
  readonly source: { readonly path: string; readonly width: number; readonly height: number };
  readonly driving: { readonly path: string; readonly width: number; readonly height: number; readonly fps: number };
  readonly output: { readonly width: number; readonly height: number; readonly pasteback: boolean };
  /** Faces animated in the source. */
  readonly faces: number;
  readonly warmupFrames: number;
  /** Model loading (session creation) in milliseconds. */
  readonly loadMs: number;
  /** The whole animateFile call: source preparation, every frame, closing the video. */
  readonly runMs: number;
  /** Per-stage times inside the running pipeline (stages that overlap share the cores). */
  readonly timing: TimingSummary;
  /**
   * M + stitching + W+G run alone, one after the other, on the same source and driving frames: the
   * models' own cost with nothing else on the cores. overhead = end-to-end frame time ÷ this.
   */
  readonly modelOnly: { readonly frames: number; readonly motionMs: number; readonly stitchingMs: number; readonly warpMs: number; readonly totalMs: number };
  /** timing.frameMs ÷ modelOnly.totalMs: 1 means the pipeline costs no more than its models. */
  readonly overhead: number;
  /** process.resourceUsage().maxRSS of this process, in bytes (model loading included). */
  readonly peakRssBytes: number;
}

/** The shared samples used when no source or driving is given (the 720×1280 portrait and a 78-frame video). */
export function defaultBenchInputs(shared = process.env.LIVEPORTRAIT_SHARED ?? resolve(process.cwd(), '../shared')): { source?: string; driving?: string; longDriving?: string } {
  const pick = (...parts: string[]) => {
    const p = join(shared, 'samples', ...parts);
    return existsSync(p) ? p : undefined;
  };
  return { source: pick('source', 's9.jpg'), driving: pick('driving', 'd0.mp4'), longDriving: pick('driving', 'd6.mp4') };
}

export async function runBench(options: BenchOptions): Promise<BenchResult> {
  expectInteger('frames', options.frames, 1);
  expectInteger('warmup', options.warmup, 0);
  const device = options.device ?? 'cpu';
  const [srcInfo, drvInfo] = await Promise.all([probeMedia(options.source), probeMedia(options.driving)]);
  if (drvInfo.isImage) throw new Error(`--driving must be a video (the benchmark times the video pipeline), not the image ${options.driving}`);
  const total = options.warmup + options.frames;
  if (drvInfo.frameCount && drvInfo.frameCount < total) {
    throw new Error(`${options.driving} has ${drvInfo.frameCount} frames but the benchmark needs ${total} (${options.warmup} warm-up + ${options.frames} measured)`);
  }
  const t0 = clock();
  const precision = options.precision ?? 'fp32';
  const engine = await createEngine({ models: options.models, device, threads: options.threads, precision });
  const loadMs = clock() - t0;
  const dir = options.output ? undefined : await mkdtemp(join(tmpdir(), 'liveportrait-bench-'));
  const output = options.output ?? join(dir!, 'bench.mp4');
  const recorder = new BenchRecorder(options.warmup);
  const animate = options.animate ?? {};
  const pasteback = animate.output?.pasteback ?? true;
  try {
    const t1 = clock();
    const result = await animateFile(engine, {
      source: options.source,
      driving: options.driving,
      output,
      options: { ...animate, output: { ...animate.output, frames: total } },
      timings: recorder,
      onProgress: (done) => {
        recorder.frameDone();
        options.onFrame?.(done, total);
      },
    });
    const runMs = clock() - t1;
    if (result.frames < total) throw new Error(`the driving video yielded ${result.frames} frames, fewer than the ${total} the benchmark needs`);
    const outInfo = await probeMedia(result.output);
    const modelOnly = await modelOnlyPass(engine, options, options.modelFrames ?? 3);
    const timing = recorder.summary();
    const manifest = engine.models.pack.manifest;
    return {
      pack: { dir: options.models, name: manifest.name, kind: manifest.kind ?? 'unknown' },
      device,
      threads: options.threads ?? 0,
      precision,
      quantizedRoles: engine.models.quantizedRoles,
      cpu: { model: cpus()[0]?.model ?? 'unknown', cores: cpus().length },
      source: { path: options.source, width: srcInfo.width, height: srcInfo.height },
      driving: { path: options.driving, width: drvInfo.width, height: drvInfo.height, fps: drvInfo.fps },
      output: { width: outInfo.width, height: outInfo.height, pasteback },
      faces: result.faces,
      warmupFrames: options.warmup,
      loadMs,
      runMs,
      timing,
      modelOnly,
      overhead: timing.frameMs / modelOnly.totalMs,
      peakRssBytes: process.resourceUsage().maxRSS * 1024,
    };
  } finally {
    await engine.release();
    if (dir) await rm(dir, { recursive: true, force: true });
  }
}

/** Times the models alone on the first driving frames (decode and crop happen outside the timed spans). */
async function modelOnlyPass(engine: Engine, options: BenchOptions, frames: number): Promise<BenchResult['modelOnly']> {
  expectInteger('modelFrames', frames, 1);
  const animateOptions = resolveAnimateOptions({ ...options.animate, output: { ...options.animate?.output, frames } });
  const source = await prepareSourceFile(engine, options.source, animateOptions);
  const driver = await openDriver(options.driving, { models: engine.models, cropper: engine.cropper, crop: animateOptions.crop, needRatios: false, maxFrames: frames });
  const animator = new FrameAnimator(source, engine.models, { motion: animateOptions.motion, pasteback: false });
  const m: number[] = [], st: number[] = [], w: number[] = [], total: number[] = [];
  for await (const sample of driver.samples()) {
    const input = modelInput(sample.crop256!);
    const t0 = clock();
    await engine.models.motion.extract(input);
    const t1 = clock();
    const kp = await animator.drivingKeypoints(sample);
    const t2 = clock();
    await engine.models.warp.render(source.feature, source.keypoints, kp);
    const t3 = clock();
    m.push(t1 - t0);
    st.push(t2 - t1);
    w.push(t3 - t2);
    total.push(t3 - t0);
  }
  return { frames: total.length, motionMs: median(m), stitchingMs: median(st), warpMs: median(w), totalMs: median(total) };
}

export const STAGE_LABELS: Record<string, string> = {
  decode: 'decode (ffmpeg → RGB)',
  detect: 'detect / track',
  crop: 'crop + input tensor',
  motion: 'M (motion extractor)',
  stitching: 'stitching (+ retargeting)',
  warp: 'W+G (warp + generate)',
  paste: 'paste-back',
  encode: 'encode (hand-off to ffmpeg)',
};

/** 'fp32', or 'int8 (warping_spade, motion)' naming the roles that ran quantized. */
export function precisionLabel(r: Pick<BenchResult, 'precision' | 'quantizedRoles'>): string {
  return r.precision === 'int8' ? `int8 (${r.quantizedRoles.join(', ') || 'no int8 variants in the pack'})` : r.precision;
}

export const ms = (v: number) => (Number.isFinite(v) ? v.toFixed(v < 10 ? 2 : 1) : '-');
export const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

/** The human-readable report. */
export function formatBench(r: BenchResult): string {
  const t = r.timing;
  const lines = [
    `pack ${r.pack.name} (${r.pack.kind}) from ${r.pack.dir}; device ${r.device}, threads ${r.threads || 'auto'}, precision ${precisionLabel(r)}; ${r.cpu.cores} × ${r.cpu.model}`,
    `source ${basename(r.source.path)} ${r.source.width}×${r.source.height}; driving ${basename(r.driving.path)} ${r.driving.width}×${r.driving.height} @ ${+r.driving.fps.toFixed(3)} fps; ` +
      `output ${r.output.width}×${r.output.height} mp4${r.output.pasteback ? ' with paste-back' : ''}`,
    `${r.warmupFrames} warm-up + ${t.measuredFrames} measured frames; medians over the measured frames`,
    '',
    `${'stage'.padEnd(30)}${'median ms'.padStart(11)}${'mean ms'.padStart(11)}`,
  ];
  for (const [stage, s] of Object.entries(t.stages)) lines.push(`${(STAGE_LABELS[stage] ?? stage).padEnd(30)}${ms(s.medianMs).padStart(11)}${ms(s.meanMs).padStart(11)}`);
  lines.push(
    '',
    `${'all stages added up'.padEnd(36)}${ms(t.stageSumMs).padStart(10)} ms/frame (what a strictly sequential pipeline would take)`,
    `${'end-to-end (overlapped)'.padEnd(36)}${ms(t.frameMs).padStart(10)} ms/frame = ${t.fps.toFixed(t.fps < 10 ? 3 : 1)} fps`,
    `${'model-only, alone (M + stitch + W+G)'.padEnd(36)}${ms(r.modelOnly.totalMs).padStart(10)} ms/frame ` +
      `(M ${ms(r.modelOnly.motionMs)}, stitching ${ms(r.modelOnly.stitchingMs)}, W+G ${ms(r.modelOnly.warpMs)}; median of ${r.modelOnly.frames})`,
    `${'overhead (end-to-end ÷ model-only)'.padEnd(36)}${r.overhead.toFixed(3).padStart(10)}`,
    `${'peak RSS'.padEnd(36)}${mib(r.peakRssBytes).padStart(14)}`,
    `${'model loading'.padEnd(36)}${ms(r.loadMs).padStart(10)} ms`,
  );
  return lines.join('\n');
}

/** The sample portraits the multi-face benchmark places side by side (face k is portrait k). */
export const FACES_BENCH_PORTRAITS = ['s6.jpg', 's5.jpg', 's12.jpg'] as const;

export interface FacesBenchOptions extends Omit<BenchOptions, 'source'> {
  /** Face counts to measure, each 1…3 (e.g. [1, 2, 3]). */
  readonly faces: readonly number[];
  /** Folder of the portraits (default ../shared/samples/source). */
  readonly portraits?: string;
  /** Height of each portrait in the group picture (default 480). */
  readonly height?: number;
}

export interface FacesBenchRow {
  readonly faces: number;
  readonly result: BenchResult;
  /** End-to-end ms per frame with every face animated. */
  readonly frameMs: number;
  /** W+G of one face, run alone (model-only pass of the same run). */
  readonly singleWarpMs: number;
  /** frameMs ÷ (faces × singleWarpMs): the target is ≤ 1.05 (the cost grows by one W+G per face). */
  readonly ratio: number;
}

/**
 * Multi-face benchmark: for each face count N, a picture of N sample portraits side by side, all faces
 * animated by one driver (`--faces all`); reports ms/frame and the ratio to N × the single-face W+G time.
 */
export async function runFacesBench(options: FacesBenchOptions): Promise<FacesBenchRow[]> {
  const dir = await mkdtemp(join(tmpdir(), 'liveportrait-bench-faces-'));
  const folder = options.portraits ?? join(process.env.LIVEPORTRAIT_SHARED ?? resolve(process.cwd(), '../shared'), 'samples', 'source');
  const rows: FacesBenchRow[] = [];
  try {
    for (const n of options.faces) {
      expectInteger('faces', n, 1, FACES_BENCH_PORTRAITS.length);
      const picture = await groupPhoto(dir, `faces-${n}`, FACES_BENCH_PORTRAITS.slice(0, n).map((p) => join(folder, p)), { height: options.height ?? 480 });
      const source = picture.path;
      const animate = options.animate ?? {};
      const result = await runBench({ ...options, source, animate: { ...animate, crop: { ...animate.crop, faces: 'all', minFace: 1 } } });
      if (result.faces !== n) {
        throw new Error(`the detector found ${result.faces} face(s) in the picture of ${n} portraits: use a pack with the real face detector (liveportrait models forge DIR --real ../shared/models)`);
      }
      const singleWarpMs = result.modelOnly.warpMs;
      rows.push({ faces: n, result, frameMs: result.timing.frameMs, singleWarpMs, ratio: result.timing.frameMs / (n * singleWarpMs) });
    }
    return rows;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The multi-face report: one line per face count. */
export function formatFacesBench(rows: readonly FacesBenchRow[]): string {
  const first = rows[0]?.result;
  const lines = first
    ? [
        `pack ${first.pack.name} (${first.pack.kind}); device ${first.device}, threads ${first.threads || 'auto'}; ${first.cpu.cores} × ${first.cpu.model}`,
        `one driver (${basename(first.driving.path)}) for every face; ${first.warmupFrames} warm-up + ${first.timing.measuredFrames} measured frames; medians`,
        '',
        `${'faces'.padEnd(7)}${'picture'.padEnd(12)}${'ms/frame'.padStart(10)}${'W+G (all faces)'.padStart(17)}${'1-face W+G'.padStart(12)}${'ratio to N × 1-face W+G'.padStart(26)}`,
      ]
    : [];
  for (const r of rows) {
    lines.push(
      `${String(r.faces).padEnd(7)}${`${r.result.source.width}×${r.result.source.height}`.padEnd(12)}${ms(r.frameMs).padStart(10)}${ms(r.result.timing.stages.warp.medianMs).padStart(17)}` +
        `${ms(r.singleWarpMs).padStart(12)}${r.ratio.toFixed(3).padStart(26)}`,
    );
  }
  lines.push('', 'target: ratio ≤ 1.05 (each extra face costs one W+G, nothing else is repeated per face)');
  return lines.join('\n');
}
