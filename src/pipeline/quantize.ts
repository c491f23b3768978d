/**
 * `models quantize` as a library call: int8 variants of F, M and W+G calibrated on the user's own
 * portraits and driving videos, and a quality report measured on held-out frames (each role's
 * outputs, and the final 512 render of the whole int8 chain against the fp32 chain), with the speed
 * of both. Node only.
 */
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { probeMedia } from '../io/probe.js';
import { writeFileAtomic } from '../io/partial-file.js';
import { openPackDirectory, resolveRole } from '../models/pack-dir.js';
import { sha256File } from '../models/hash.js';
import { isStandinModelBytes, isStandinModelFile } from '../models/session.js';
import { buildQuantized, calibrateModel, int8FileName, type Feeds } from '../models/quantize.js';
import { RANGE_METHODS, type RangeMethod } from '../onnx/quantize/ranges.js';
import { keepInFp32, type KeptNode, type QuantizationPlan } from '../onnx/quantize/qdq.js';
import { createSession, float32Tensor, type Tensor } from '../runtime/onnx.js';
import { motionFromModelOutputs, transformKeypoints, type MotionExtractorOutputs } from '../math/keypoints.js';
import { maxAbsDifference, mean, median, psnr, relativeL2 } from '../math/compare.js';
import { DEFAULTS } from '../settings.js';
import { expectInteger, expectOneOf, OptionError } from '../validate.js';
import { createEngine, prepareSourceFile, type Engine } from './run.js';
import { resolveAnimateOptions } from './options.js';
import { FrameAnimator } from './animator.js';
import { openDriver } from './drivers.js';
import { modelInput, type PreparedSource } from './source.js';
import { clock } from './timings.js';

export const QUANTIZABLE_ROLES = DEFAULTS.quantize.roles;
export type QuantizableRole = (typeof QUANTIZABLE_ROLES)[number];
export const QUANTIZE_REPORT_FILE = 'quantize-report.json';

export interface QuantizeRequest {
  /** Pack directory holding the fp32 files; the int8 files and the report are written beside them. */
  readonly models: string;
  /** Roles to quantize (default: every quantizable role the pack has). */
  readonly roles?: readonly QuantizableRole[];
  /** Calibration portraits and driving videos (at least one image). */
  readonly calibrate: readonly string[];
  /** Driving frames in all (calibration + held out; every `heldOutEvery`-th is held out). */
  readonly frames?: number;
  /** Range method; 'auto' builds both and keeps the one that measures better on the held-out frames. */
  readonly method?: RangeMethod | 'auto';
  /** Node names or op types kept in fp32 besides the last layers and DEFAULTS.quantize.keepFp32 ('Conv3d': every 3-D conv). */
  readonly keep?: readonly string[];
  /**
   * Roles whose layers are measured one by one (each quantized alone, on the held-out inputs); the most
   * sensitive are then kept in fp32 until the role meets its quality target. Default: appearance only
   * (it runs once per source, so its precision matters more than its speed, and its runs are cheap).
   */
  readonly sensitivity?: readonly QuantizableRole[];
  readonly threads?: number;
  readonly onProgress?: (line: string) => void;
}

export interface MethodFigure {
  readonly method: RangeMethod;
  /** The role's figures on the held-out inputs. */
  readonly quality: Readonly<Record<string, number>>;
}

export interface RoleReport {
  readonly role: QuantizableRole;
  readonly file: string;
  /** The fp32 file is a stand-in or forged graph (no trained weights). */
  readonly standin: boolean;
  readonly int8File: string;
  readonly method: RangeMethod;
  readonly tried: readonly MethodFigure[];
  readonly quantizedNodes: number;
  readonly keptFp32: readonly KeptNode[];
  readonly calibrationRuns: number;
  readonly heldOutRuns: number;
  /** The chosen method's figures (appearance: feature relative L2; motion: degrees and keypoints; W+G: render PSNR). */
  readonly quality: Readonly<Record<string, number>>;
  /** Median ms per run on the held-out inputs, after one warm-up run. */
  readonly speed: { readonly fp32Ms: number; readonly int8Ms: number; readonly speedup: number };
}

export interface QuantizeReport {
  readonly pack: { readonly dir: string; readonly name: string; readonly kind: string };
  readonly createdAt: string;
  readonly calibration: { readonly inputs: readonly string[]; readonly calibrationFrames: number; readonly heldOutFrames: number };
  readonly roles: readonly RoleReport[];
  /** PSNR of the final 512 render: every quantized role in int8 against every role in fp32, held-out frames. */
  readonly render?: { readonly frames: number; readonly meanPsnrDb: number; readonly minPsnrDb: number };
  /**
   * When F was quantized: PSNR of renders made by the pack's fp32 W+G from the int8 features against
   * renders from the fp32 features (everything else fp32), held-out frames.
   */
  readonly featureRender?: { readonly frames: number; readonly meanPsnrDb: number; readonly minPsnrDb: number };
  /** Set when the pack's models are stand-ins or forged (random weights): the figures do not describe trained models. */
  readonly caveat?: string;
}

interface CalibrationData {
  readonly sources: readonly PreparedSource[];
  /** F and M inputs: source crops and driving crops. */
  readonly crops: readonly { readonly input: Float32Array; readonly heldOut: boolean }[];
  /** W+G inputs: a source with one driving frame's keypoints. */
  readonly pairs: readonly { readonly source: number; readonly kpDriving: Float32Array; readonly heldOut: boolean }[];
}

const isHeldOut = (index: number) => index % DEFAULTS.quantize.heldOutEvery === DEFAULTS.quantize.heldOutEvery - 1;

/**
 * Runs the pipeline's own preprocessing on the calibration inputs: source crops and features, driving
 * crops and the driving keypoints a real animation would hand to W+G. `render` is called for every
 * held-out pair (the int8 chain's final renders).
 */
async function collect(
  engine: Engine,
  images: readonly string[],
  videos: readonly string[],
  frames: number,
  render?: (pair: number, source: PreparedSource, kpDriving: Float32Array) => Promise<void>,
): Promise<CalibrationData> {
  const options = resolveAnimateOptions({ output: { pasteback: false } });
  const sources: PreparedSource[] = [];
  for (const image of images) sources.push(await prepareSourceFile(engine, image, options));
  const crops: { input: Float32Array; heldOut: boolean }[] = sources.map((s, i) => ({ input: modelInput(s.input256), heldOut: images.length > 1 && isHeldOut(i) }));
  const pairs: { source: number; kpDriving: Float32Array; heldOut: boolean }[] = [];
  const drivers = videos.length ? videos : images;
  const perDriver = Math.max(1, Math.ceil(frames / drivers.length));
  for (const driving of drivers) {
    const driver = await openDriver(driving, { models: engine.models, cropper: engine.cropper, crop: options.crop, needRatios: false, maxFrames: perDriver });
    const animators = new Map<number, FrameAnimator>();
    for await (const sample of driver.samples()) {
      if (pairs.length >= frames) break;
      const index = pairs.length;
      const heldOut = isHeldOut(index);
      const s = index % sources.length;
      let animator = animators.get(s);
      if (!animator) animators.set(s, (animator = new FrameAnimator(sources[s], engine.models, { motion: options.motion, drivingIsImage: driver.kind === 'image', pasteback: false })));
      const kpDriving = await animator.drivingKeypoints(sample);
      if (sample.crop256) crops.push({ input: modelInput(sample.crop256), heldOut });
      pairs.push({ source: s, kpDriving, heldOut });
      if (heldOut && render) await render(index, sources[s], kpDriving);
    }
  }
  return { sources, crops, pairs };
}

type Outputs = Record<string, Float32Array>;

/** Runs `bytes` on every feed (after one untimed warm-up run); outputs copied out, median ms. */
async function runAll(bytes: Uint8Array, feeds: readonly Feeds[], threads?: number): Promise<{ outputs: Outputs[]; medianMs: number }> {
  const session = await createSession(bytes, { device: 'cpu', threads });
  try {
    if (feeds.length) await session.run(feeds[0]);
    const outputs: Outputs[] = [];
    const times: number[] = [];
    for (const feed of feeds) {
      const t = clock();
      const out = await session.run(feed);
      times.push(clock() - t);
      outputs.push(Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.data as Float32Array])));
    }
    return { outputs, medianMs: median(times) };
  } finally {
    await session.release?.();
  }
}

interface RoleSpec {
  /** The score (see `compare`) a role aims at; the sensitivity analysis keeps layers in fp32 until it is met. */
  readonly target: number;
  readonly targetText: string;
  readonly feeds: (data: CalibrationData) => Promise<{ calibration: Feeds[]; heldOut: Feeds[] }>;
  /** Figures of int8 outputs against fp32 ones, and the score to minimise. */
  readonly compare: (reference: readonly Outputs[], approx: readonly Outputs[]) => { quality: Record<string, number>; score: number };
}

const imageFeeds = async (data: CalibrationData) => {
  const calibration: Feeds[] = [];
  const heldOut: Feeds[] = [];
  for (const c of data.crops) (c.heldOut ? heldOut : calibration).push({ img: await float32Tensor(c.input, [1, 3, 256, 256]) });
  return { calibration, heldOut };
};

function motionOf(o: Outputs) {
  return motionFromModelOutputs(o as unknown as MotionExtractorOutputs);
}

const ROLE_SPECS: Record<QuantizableRole, RoleSpec> = {
  appearance: {
    target: 0.02,
    targetText: 'feature relative L2 ≤ 2%',
    feeds: imageFeeds,
    compare: (ref, got) => {
      const rel = ref.map((r, i) => relativeL2(r.output, got[i].output));
      return { quality: { featureRelL2Mean: mean(rel), featureRelL2Max: Math.max(...rel) }, score: mean(rel) };
    },
  },
  motion: {
    target: 0.01,
    targetText: 'keypoint relative L2 ≤ 1%',
    feeds: imageFeeds,
    compare: (ref, got) => {
      const deg: number[] = [];
      const kp: number[] = [];
      ref.forEach((r, i) => {
        const a = motionOf(r);
        const b = motionOf(got[i]);
        deg.push(Math.max(Math.abs(a.pitch - b.pitch), Math.abs(a.yaw - b.yaw), Math.abs(a.roll - b.roll)));
        kp.push(relativeL2(transformKeypoints(a), transformKeypoints(b)));
      });
      return { quality: { degreesMaxAbs: Math.max(...deg), degreesMeanAbs: mean(deg), keypointsRelL2Mean: mean(kp), keypointsRelL2Max: Math.max(...kp) }, score: mean(kp) };
    },
  },
  warping_spade: {
    target: -35,
    targetText: 'render PSNR ≥ 35 dB',
    feeds: async (data) => {
      const kpSource = await Promise.all(data.sources.map((s) => float32Tensor(s.keypoints, [1, 21, 3])));
      const calibration: Feeds[] = [];
      const heldOut: Feeds[] = [];
      for (const p of data.pairs) {
        const feed: Record<string, Tensor> = { feature_3d: data.sources[p.source].feature, kp_source: kpSource[p.source], kp_driving: await float32Tensor(p.kpDriving, [1, 21, 3]) };
        (p.heldOut ? heldOut : calibration).push(feed);
      }
      return { calibration, heldOut };
    },
    compare: (ref, got) => {
      const p = ref.map((r, i) => psnr(r.out, got[i].out));
      return { quality: { renderPsnrMeanDb: mean(p), renderPsnrMinDb: Math.min(...p), renderMaxAbs: Math.max(...ref.map((r, i) => maxAbsDifference(r.out, got[i].out))) }, score: -mean(p) };
    },
  },
};

type Evaluated = MethodFigure & { bytes: Uint8Array; score: number; ms: number };

/**
 * Sensitivity analysis: each quantized layer alone (on up to two held-out inputs), then the most
 * sensitive 1, 2, 4, … layers kept in fp32 until the role meets its target (at most half of them).
 */
async function keepSensitiveLayers(
  role: QuantizableRole,
  spec: RoleSpec,
  plan: QuantizationPlan,
  best: Evaluated,
  evaluate: (m: RangeMethod, plan: QuantizationPlan, feeds?: Feeds[], reference?: Outputs[]) => Promise<{ bytes: Uint8Array; ms: number; quality: Record<string, number>; score: number }>,
  heldOut: Feeds[],
  reference: Outputs[],
  log: (line: string) => void,
): Promise<{ best: Evaluated; plan: QuantizationPlan }> {
  log(`${role}: ${spec.targetText} not met; measuring each of the ${plan.targets.length} layers alone…\n`);
  const sample = heldOut.slice(0, 2);
  const sampleRef = reference.slice(0, 2);
  const solo: { node: string; score: number }[] = [];
  for (const t of plan.targets) {
    const others = new Set(plan.targets.filter((x) => x.node !== t.node).map((x) => x.node));
    solo.push({ node: t.node, score: (await evaluate(best.method, keepInFp32(plan, others, ''), sample, sampleRef)).score });
  }
  solo.sort((a, b) => b.score - a.score);
  let chosen = { best, plan };
  for (let k = 1; k <= plan.targets.length / 2; k *= 2) {
    const keep = new Set(solo.slice(0, k).map((x) => x.node));
    const trial = keepInFp32(plan, keep, `sensitive: quantized alone it scores ${formatScore(role, solo[k - 1].score)} or worse`);
    const r = await evaluate(best.method, trial);
    log(`${role}: ${best.method}, ${k} most sensitive layer(s) in fp32: ${formatQuality(r.quality)}\n`);
    if (r.score < chosen.best.score) chosen = { best: { method: best.method, ...r }, plan: trial };
    if (r.score <= spec.target) break;
  }
  return chosen;
}

function formatScore(role: QuantizableRole, score: number): string {
  return role === 'warping_spade' ? `${(-score).toFixed(1)} dB` : `${(score * 100).toFixed(2)}%`;
}

/** Quantizes the pack's roles, writes `NAME.int8.onnx` beside each fp32 file and `quantize-report.json`. */
export async function quantizePack(request: QuantizeRequest): Promise<QuantizeReport> {
  const log = request.onProgress ?? (() => {});
  const frames = expectInteger('--frames', request.frames ?? DEFAULTS.quantize.frames, 2);
  const method = expectOneOf('--method', request.method ?? 'auto', ['auto', ...RANGE_METHODS] as const);
  if (!request.calibrate.length) throw new OptionError('--calibrate', 'Expected at least one calibration portrait for --calibrate but received none');
  const images: string[] = [];
  const videos: string[] = [];
  for (const path of request.calibrate) ((await probeMedia(path)).isImage ? images : videos).push(path);
  if (!images.length) throw new OptionError('--calibrate', `Expected at least one portrait image among --calibrate (received only videos: ${videos.join(', ')})`);

  const pack = await openPackDirectory(request.models);
  const wanted = request.roles ?? QUANTIZABLE_ROLES;
  const roles: { role: QuantizableRole; path: string }[] = [];
  for (const role of wanted) {
    expectOneOf('--roles', role, QUANTIZABLE_ROLES);
    const found = await resolveRole(pack, role);
    if (found) roles.push({ role, path: found.path });
    else if (request.roles) throw new OptionError('--roles', `the pack in ${request.models} has no ${role} model to quantize`);
  }
  if (!roles.length) throw new Error(`the pack in ${request.models} has none of ${QUANTIZABLE_ROLES.join(', ')}`);

  log(`calibration inputs: ${[...images, ...videos].map((p) => basename(p)).join(', ')}; ${frames} driving frames (every ${DEFAULTS.quantize.heldOutEvery}th held out for the report)\n`);
  const fp32 = await createEngine({ models: request.models, threads: request.threads, precision: 'fp32' });
  let data: CalibrationData;
  try {
    data = await collect(fp32, images, videos, frames);
  } finally {
    await fp32.release();
  }
  const calibrationText = `${[...images, ...videos].map((p) => basename(p)).join(', ')}; ${data.pairs.filter((p) => !p.heldOut).length} of ${data.pairs.length} driving frames (held out: every ${DEFAULTS.quantize.heldOutEvery}th)`;

  const reports: RoleReport[] = [];
  const built = new Map<QuantizableRole, Uint8Array>();
  let fp32Renders: Outputs[] = [];
  for (const { role, path } of roles) {
    const spec = ROLE_SPECS[role];
    const bytes = new Uint8Array(await readFile(path));
    const feeds = await spec.feeds(data);
    if (!feeds.heldOut.length || !feeds.calibration.length) throw new OptionError('--frames', `--frames ${frames} leaves no held-out or no calibration input for ${role}: use at least ${DEFAULTS.quantize.heldOutEvery} frames`);
    log(`${role}: calibrating on ${feeds.calibration.length} inputs…\n`);
    const keep = [...(DEFAULTS.quantize.keepFp32[role] ?? []), ...(request.keep ?? [])];
    const calibration = await calibrateModel(bytes, feeds.calibration, {
      keep,
      threads: request.threads,
      conv3dAs2d: DEFAULTS.quantize.conv3dAs2d,
      minConvOutputChannels: DEFAULTS.quantize.minConvOutputChannels,
    });
    if (!calibration.plan.targets.length) {
      log(`${role}: ${basename(path)} has no convolution or matmul with constant weights to quantize: skipped\n`);
      continue;
    }
    const reference0 = await runAll(bytes, feeds.heldOut, request.threads);
    if (role === 'warping_spade') fp32Renders = reference0.outputs;
    const provenance = { sourceSha256: await sha256File(path), sourceFile: basename(path), calibration: calibrationText };
    const tried: (MethodFigure & { bytes: Uint8Array; score: number; ms: number })[] = [];
    const evaluate = async (m: RangeMethod, plan: QuantizationPlan, feedsUsed = feeds.heldOut, reference = reference0.outputs) => {
      const q = buildQuantized(calibration, m, provenance, plan);
      const run = await runAll(q, feedsUsed, request.threads);
      return { bytes: q, ms: run.medianMs, ...spec.compare(reference, run.outputs) };
    };
    for (const m of method === 'auto' ? RANGE_METHODS : [method]) {
      const r = await evaluate(m, calibration.plan);
      log(`${role}: ${m}: ${formatQuality(r.quality)}\n`);
      tried.push({ method: m, ...r });
    }
    let best = tried.reduce((a, b) => (b.score < a.score ? b : a));
    let plan = calibration.plan;
    if ((request.sensitivity ?? ['appearance']).includes(role) && best.score > spec.target) {
      ({ best, plan } = await keepSensitiveLayers(role, spec, calibration.plan, best, evaluate, feeds.heldOut, reference0.outputs, log));
    }
    const int8File = int8FileName(basename(path));
    await writeFileAtomic(join(pack.dir, int8File), best.bytes);
    built.set(role, best.bytes);
    reports.push({
      role,
      file: basename(path),
      standin: isStandinModelBytes(bytes),
      int8File,
      method: best.method,
      tried: tried.map((t) => ({ method: t.method, quality: t.quality })),
      quantizedNodes: plan.targets.length,
      keptFp32: plan.kept,
      calibrationRuns: calibration.runs,
      heldOutRuns: feeds.heldOut.length,
      quality: best.quality,
      speed: { fp32Ms: reference0.medianMs, int8Ms: best.ms, speedup: reference0.medianMs / best.ms },
    });
  }

  // F alone: the int8 features rendered by the fp32 W+G against the fp32 features.
  let featureRender: QuantizeReport['featureRender'];
  let untrainedRenderer = false;
  const appearanceInt8 = built.get('appearance');
  const renderer = appearanceInt8 ? await resolveRole(pack, 'warping_spade') : undefined;
  if (appearanceInt8 && renderer) {
    log('appearance: renders from fp32 and from int8 features through the fp32 W+G…\n');
    featureRender = await featureRenderPsnr(request.models, appearanceInt8, data, request.threads);
    untrainedRenderer = await isStandinModelFile(renderer.path);
  }

  // The whole chain in int8 (F features, M keypoints, W+G) against the fp32 renders of the same frames.
  let render: QuantizeReport['render'];
  if (fp32Renders.length) {
    log('final render: int8 chain on the held-out frames…\n');
    const int8 = await createEngine({ models: request.models, threads: request.threads, precision: 'int8' });
    const values: number[] = [];
    const heldPairs = data.pairs.map((p, i) => (p.heldOut ? i : -1)).filter((i) => i >= 0);
    try {
      await collect(int8, images, videos, frames, async (pair, source, kpDriving) => {
        const out = await int8.models.warp.render(source.feature, source.keypoints, kpDriving);
        values.push(psnr(fp32Renders[heldPairs.indexOf(pair)].out, out));
      });
    } finally {
      await int8.release();
    }
    render = { frames: values.length, meanPsnrDb: mean(values), minPsnrDb: Math.min(...values) };
  }
  const kind = pack.manifest.kind;
  const untrained = reports.filter((r) => r.standin).map((r) => r.role);
  // The F render figure also depends on the W+G that rendered it.
  if (untrainedRenderer && !untrained.includes('warping_spade')) untrained.push('warping_spade');
  const report: QuantizeReport = {
    pack: { dir: pack.dir, name: pack.manifest.name, kind },
    createdAt: new Date().toISOString(),
    calibration: { inputs: [...images, ...videos].map((p) => basename(p)), calibrationFrames: data.pairs.filter((p) => !p.heldOut).length, heldOutFrames: data.pairs.filter((p) => p.heldOut).length },
    roles: reports,
    render,
    featureRender,
    caveat: untrained.length
      ? `${untrained.join(', ')} ${untrained.length > 1 ? 'are' : 'is a'} stand-in or forged graph${untrained.length > 1 ? 's' : ''} with no trained weights (random or generated): ` +
        'their figures (and the final render) show the int8 error on these graphs, not the quality on trained models'
      : undefined,
  };
  await writeFileAtomic(join(pack.dir, QUANTIZE_REPORT_FILE), `${JSON.stringify(report, null, 2)}\n`);
  return report;
}

/** Renders of the held-out pairs by the fp32 W+G from fp32 features and from the int8 F's features: their PSNR. */
async function featureRenderPsnr(models: string, appearanceInt8: Uint8Array, data: CalibrationData, threads?: number): Promise<NonNullable<QuantizeReport['featureRender']>> {
  const engine = await createEngine({ models, threads, precision: 'fp32' });
  const f = await createSession(appearanceInt8, { device: 'cpu', threads });
  try {
    const int8Features = new Map<number, Tensor>();
    const values: number[] = [];
    for (const pair of data.pairs) {
      if (!pair.heldOut) continue;
      const source = data.sources[pair.source];
      let feature = int8Features.get(pair.source);
      if (!feature) {
        feature = (await f.run({ img: await float32Tensor(modelInput(source.input256), [1, 3, 256, 256]) })).output;
        int8Features.set(pair.source, feature);
      }
      const reference = await engine.models.warp.render(source.feature, source.keypoints, pair.kpDriving);
      values.push(psnr(reference, await engine.models.warp.render(feature, source.keypoints, pair.kpDriving)));
    }
    return { frames: values.length, meanPsnrDb: mean(values), minPsnrDb: Math.min(...values) };
  } finally {
    await f.release?.();
    await engine.release();
  }
}

function formatQuality(q: Readonly<Record<string, number>>): string {
  return Object.entries(q)
    .map(([k, v]) => `${k} ${Number.isFinite(v) ? +v.toPrecision(4) : v}`)
    .join(', ');
}

/** The report as printed by `models quantize`. */
export function formatQuantizeReport(r: QuantizeReport): string {
  const lines = [
    `pack ${r.pack.name} (${r.pack.kind}) in ${r.pack.dir}`,
    `calibration: ${r.calibration.inputs.join(', ')}; ${r.calibration.calibrationFrames} calibration + ${r.calibration.heldOutFrames} held-out driving frames`,
    '',
    `${'role'.padEnd(15)}${'file'.padEnd(40)}${'method'.padEnd(12)}${'fp32 ms'.padStart(9)}${'int8 ms'.padStart(9)}${'speed-up'.padStart(10)}  quality on held-out inputs (int8 vs fp32)`,
  ];
  for (const role of r.roles) {
    lines.push(
      `${role.role.padEnd(15)}${role.int8File.padEnd(40)}${role.method.padEnd(12)}${role.speed.fp32Ms.toFixed(0).padStart(9)}${role.speed.int8Ms.toFixed(0).padStart(9)}${`${role.speed.speedup.toFixed(2)}×`.padStart(10)}  ${formatQuality(role.quality)}`,
    );
  }
  lines.push('');
  for (const role of r.roles) {
    lines.push(`${role.role}: ${role.quantizedNodes} convs/matmuls in int8; fp32: ${role.keptFp32.map((k) => `${k.node} (${k.reason})`).join(', ') || 'none'}; GridSample, normalisations, softmax and resizes stay fp32`);
  }
  if (r.featureRender) {
    const f = r.featureRender;
    lines.push('', `512 render from int8 F features vs fp32 features (fp32 W+G): PSNR mean ${f.meanPsnrDb.toFixed(2)} dB, min ${f.minPsnrDb.toFixed(2)} dB over ${f.frames} held-out frames`);
  }
  if (r.render) lines.push('', `final 512 render, int8 chain vs fp32 chain: PSNR mean ${r.render.meanPsnrDb.toFixed(2)} dB, min ${r.render.minPsnrDb.toFixed(2)} dB over ${r.render.frames} held-out frames`);
  if (r.caveat) lines.push('', `CAVEAT: ${r.caveat}`);
  return lines.join('\n');
}
