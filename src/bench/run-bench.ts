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
import { createEngine, animateFile } from '../pipeline/run.js';
import type { AnimateOptionsInput } from '../pipeline/options.js';
import { clock } from '../pipeline/timings.js';
import type { Device } from '../settings.js';
import { expectInteger } from '../validate.js';
import { BenchRecorder, type TimingSummary } from './recorder.js';

export interface BenchOptions {
  /** Model pack directory. */
  readonly models: string;
  readonly device?: Device;
  /** Intra-op threads (0 or absent: onnxruntime's choice, one per physical core). */
  readonly threads?: number;
  /** Measured frames (after the warm-up). */
  readonly frames: number;
  readonly warmup: number;
  readonly source: string;
  readonly driving: string;
  /** Keep the result here (default: a temporary file, removed afterwards). */
  readonly output?: string;
  /** Extra animation options (e.g. crop.cropDriving 'on' to time per-frame face tracking). */
  readonly animate?: AnimateOptionsInput;
  readonly onFrame?: (done: number, total: number) => void;
}

export interface BenchResult {
  readonly pack: { readonly dir: string; readonly name: string; readonly kind: string };
  readonly device: Device;
  readonly threads: number;
  readonly cpu: { readonly model: string; readonly cores: number };
  readonly source: { readonly path: string; readonly width: number; readonly height: number };
  readonly driving: { readonly path: string; readonly width: number; readonly height: number; readonly fps: number };
  readonly output: { readonly width: number; readonly height: number; readonly pasteback: boolean };
  readonly warmupFrames: number;
  /** Model loading (session creation) in milliseconds. */
  readonly loadMs: number;
  /** The whole animateFile call: source preparation, every frame, closing the video. */
  readonly runMs: number;
  readonly timing: TimingSummary;
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
  const engine = await createEngine({ models: options.models, device, threads: options.threads });
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
    const manifest = engine.models.pack.manifest;
    return {
      pack: { dir: options.models, name: manifest.name, kind: manifest.kind ?? 'unknown' },
      device,
      threads: options.threads ?? 0,
      cpu: { model: cpus()[0]?.model ?? 'unknown', cores: cpus().length },
      source: { path: options.source, width: srcInfo.width, height: srcInfo.height },
      driving: { path: options.driving, width: drvInfo.width, height: drvInfo.height, fps: drvInfo.fps },
      output: { width: outInfo.width, height: outInfo.height, pasteback },
      warmupFrames: options.warmup,
      loadMs,
      runMs,
      timing: recorder.summary(),
      peakRssBytes: process.resourceUsage().maxRSS * 1024,
    };
  } finally {
    await engine.release();
    if (dir) await rm(dir, { recursive: true, force: true });
  }
}

const STAGE_LABELS: Record<string, string> = {
  decode: 'decode (ffmpeg → RGB)',
  detect: 'detect / track',
  crop: 'crop + input tensor',
  motion: 'M (motion extractor)',
  stitching: 'stitching (+ retargeting)',
  warp: 'W+G (warp + generate)',
  paste: 'paste-back',
  encode: 'encode (hand-off to ffmpeg)',
};

const ms = (v: number) => (Number.isFinite(v) ? v.toFixed(v < 10 ? 2 : 1) : '-');
export const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

/** The human-readable report. */
export function formatBench(r: BenchResult): string {
  const t = r.timing;
  const lines = [
    `pack ${r.pack.name} (${r.pack.kind}) from ${r.pack.dir}; device ${r.device}, threads ${r.threads || 'auto'}; ${r.cpu.cores} × ${r.cpu.model}`,
    `source ${basename(r.source.path)} ${r.source.width}×${r.source.height}; driving ${basename(r.driving.path)} ${r.driving.width}×${r.driving.height} @ ${+r.driving.fps.toFixed(3)} fps; ` +
      `output ${r.output.width}×${r.output.height} mp4${r.output.pasteback ? ' with paste-back' : ''}`,
    `${r.warmupFrames} warm-up + ${t.measuredFrames} measured frames; medians over the measured frames`,
    '',
    `${'stage'.padEnd(30)}${'median ms'.padStart(11)}${'mean ms'.padStart(11)}`,
  ];
  for (const [stage, s] of Object.entries(t.stages)) lines.push(`${(STAGE_LABELS[stage] ?? stage).padEnd(30)}${ms(s.medianMs).padStart(11)}${ms(s.meanMs).padStart(11)}`);
  lines.push(
    '',
    `${'model-only (M + stitching + W+G)'.padEnd(36)}${ms(t.modelMs).padStart(10)} ms/frame`,
    `${'all stages added up'.padEnd(36)}${ms(t.stageSumMs).padStart(10)} ms/frame`,
    `${'end-to-end (overlapped)'.padEnd(36)}${ms(t.frameMs).padStart(10)} ms/frame = ${t.fps.toFixed(t.fps < 10 ? 3 : 1)} fps`,
    `${'overhead (end-to-end ÷ model-only)'.padEnd(36)}${t.overhead.toFixed(3).padStart(10)}`,
    `${'peak RSS'.padEnd(36)}${mib(r.peakRssBytes).padStart(14)}`,
    `${'model loading'.padEnd(36)}${ms(r.loadMs).padStart(10)} ms`,
  );
  return lines.join('\n');
}
