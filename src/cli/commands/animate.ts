/** `liveportrait animate` and `liveportrait template`: the main job and motion-template extraction. */
import { Command, Option } from 'commander';
import { ANIMATION_REGIONS, DEFAULTS, DETECTORS, DEVICES, DRIVING_OPTIONS, PRECISIONS, type AnimationRegion, type Device, type DetectorKind, type DrivingOption, type Precision } from '../../settings.js';
import { parseNumberOption, expectInteger, OptionError } from '../../validate.js';
import { parseFaceSelection, type FaceSelection } from '../../face/select.js';
import { packDirectory } from '../../models/paths.js';
import { DRIVING_BOX_MODES, DRIVING_CROP_MODES, type AnimateOptionsInput, type DrivingBoxMode, type DrivingCropMode } from '../../pipeline/options.js';
import { animateFile, checkAnimateRequest, checkTemplateRequest, createEngine, extractTemplate, type AnimateFileRequest, type Engine } from '../../pipeline/run.js';
import { CONFLICT_HELP } from '../conflicts.js';
import { defaultTemplatePath } from '../../io/paths.js';
import { insightfaceLicenceNotice } from '../../face/scrfd.js';
import { createProgress } from '../progress.js';
import { downloadReporter } from '../download-progress.js';
import { ensureModels, offlineFromEnv } from '../../models/ensure.js';
import { parseThreads } from '../threads.js';

const num = (name: string, min?: number, max?: number) => (text: string) => parseNumberOption(name, text, min, max);
const int = (name: string, min = 0) => (text: string) => expectInteger(name, parseNumberOption(name, text), min);

export interface CommonOpts {
  models?: string;
  offline?: boolean;
  mirror?: string;
  device: Device;
  threads?: number;
  precision: Precision;
  det: DetectorKind;
  faceIndex?: number;
  quiet?: boolean;
}

/** `--faces`, `--face-index` (its alias) and `--min-face`, as animate and edit take them. */
export interface FaceOpts {
  faces?: FaceSelection;
  faceIndex?: number;
  minFace: number;
}

/** Adds `--faces` and `--min-face` (`--face-index` comes with the engine options). */
export function addFaceOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option('--faces <which>', 'faces to animate: largest (default), all, or indices left to right such as 0,2 (see liveportrait crop --list)').argParser((t) =>
        parseFaceSelection(t, '--faces'),
      ),
    )
    .addOption(new Option('--min-face <px>', 'with --faces all or indices: skip faces smaller than this, with a warning').argParser(int('--min-face', 1)).default(DEFAULTS.faces.minFace));
}

/** The face selection of `--faces`, or of its alias `--face-index N`. */
export function faceSelectionOf(o: FaceOpts): FaceSelection {
  if (o.faces !== undefined && o.faceIndex !== undefined) throw new OptionError('--face-index', '--face-index N is an alias of --faces N: give one of them');
  return o.faces ?? (o.faceIndex !== undefined ? [o.faceIndex] : DEFAULTS.faces.selection);
}

/** --device, --threads and -q: how a command runs (shared by every command that loads models). */
export function addRuntimeOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--device <name>', 'execution provider').choices(DEVICES.filter((d) => d !== 'wasm')).default('cpu'))
    .addOption(
      new Option('--threads <n>', `onnxruntime intra-op threads (0 = one per core; at most ${DEFAULTS.runtime.maxThreadsPerCore}× the cores)`)
        .argParser(parseThreads)
        .default(DEFAULTS.runtime.threads, `${DEFAULTS.runtime.threads}, one per core present`),
    )
    .option('-q, --quiet', 'no progress output');
}

export function addEngineOptions(cmd: Command): Command {
  cmd
    .addOption(new Option('--models <dir>', 'model pack directory (default: the pack in the per-user cache, downloaded on first use)'))
    .option('--offline', 'never download models: fail naming the missing files (also LIVEPORTRAIT_OFFLINE=1)')
    .option('--mirror <url>', 'download missing models from this base URL (files are fetched as URL/FILE)');
  addRuntimeOptions(cmd);
  return cmd
    .addOption(precisionOption())
    .addOption(
      new Option('--det <name>', 'face detector: yunet (MIT, default), insightface (SCRFD + 106 points, non-commercial), facemesh (MediaPipe)')
        .choices(DETECTORS)
        .default(DEFAULTS.detector.kind),
    )
    .addOption(new Option('--face-index <n>', 'face N, left to right (see liveportrait crop --list): alias of --faces N (template: the driving face)').argParser(int('--face-index')));
}

/** Downloads the models a run needs when they are missing (unless offline), with the sizes first and progress bars. */
export async function ensureModelsFor(opts: CommonOpts, animation = true): Promise<string> {
  const dir = packDirectory({ models: opts.models });
  const reporter = downloadReporter(opts.quiet);
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  try {
    await ensureModels(dir, {
      detector: opts.det,
      animation,
      offline: opts.offline || offlineFromEnv(),
      mirror: opts.mirror,
      signal: controller.signal,
      onPlan: (files, d) => reporter.plan(files, d),
      onProgress: (p) => reporter.onProgress(p),
      onFile: (entry, result) => reporter.onFile(entry, result),
    });
  } catch (err) {
    if (controller.signal.aborted) throw new Error('download interrupted; run the command again to resume');
    throw err;
  } finally {
    reporter.stop();
    process.removeListener('SIGINT', onSigint);
  }
  return dir;
}

/** `--precision fp32|int8`, shared by every command that runs the models. */
export function precisionOption(): Option {
  return new Option('--precision <p>', 'fp32, or int8: the quantized F, M and W+G written by `liveportrait models quantize` (where present)')
    .choices(PRECISIONS)
    .default(DEFAULTS.runtime.precision);
}

export async function engineFor(opts: CommonOpts): Promise<Engine> {
  if (opts.det === 'insightface') process.stderr.write(`${insightfaceLicenceNotice()}\n`);
  return createEngine({
    models: await ensureModelsFor(opts),
    device: opts.device,
    threads: opts.threads,
    precision: opts.precision,
    detector: opts.det,
    onWarning: (m) => process.stderr.write(`${m}\n`),
  });
}

interface AnimateOpts extends CommonOpts, FaceOpts {
  source?: string;
  input?: string;
  driving?: string[];
  drivingFace?: number;
  loopDrivers?: boolean;
  output?: string;
  relative: boolean;
  region: AnimationRegion;
  stitching: boolean;
  eyeRetargeting?: boolean;
  lipRetargeting?: boolean;
  normalizeLip?: boolean;
  drivingOption: DrivingOption;
  multiplier: number;
  smooth?: boolean;
  crop: boolean;
  scale: number;
  vx: number;
  vy: number;
  cropDriving: DrivingCropMode;
  drivingBox: DrivingBoxMode;
  drivingScale: number;
  drivingVy: number;
  maxDim: number;
  pasteback: boolean;
  concat?: boolean;
  preview?: boolean;
  frames?: number;
  crf: number;
  reference: string;
  smoothVariance: number;
  sourceEyeRetarget?: boolean;
  strict?: boolean;
}

/** `given(key)`: the option was typed on the command line (not its default). */
function toOptions(o: AnimateOpts, given: (key: string) => boolean): AnimateOptionsInput {
  return {
    motion: {
      relative: o.relative,
      region: o.region,
      stitching: o.stitching,
      eyeRetargeting: !!o.eyeRetargeting,
      lipRetargeting: !!o.lipRetargeting,
      normalizeLip: !!o.normalizeLip,
      drivingOption: o.drivingOption,
      multiplier: o.multiplier,
      smooth: !!o.smooth,
      reference: o.reference === 'auto' ? 'auto' : expectInteger('--reference', parseNumberOption('--reference', o.reference), 0),
      // Passed only when typed, so the library can tell the user it does not apply to an image source.
      ...(given('smoothVariance') ? { smoothVariance: o.smoothVariance } : {}),
      sourceEyeRetargeting: !!o.sourceEyeRetarget,
    },
    crop: {
      crop: o.crop,
      scale: o.scale,
      vx: o.vx,
      vy: o.vy,
      cropDriving: o.cropDriving,
      drivingBox: o.drivingBox,
      drivingScale: o.drivingScale,
      drivingVy: o.drivingVy,
      detector: o.det,
      faces: faceSelectionOf(o),
      minFace: o.minFace,
      drivingFace: o.drivingFace,
      maxDim: o.maxDim,
    },
    output: { pasteback: o.pasteback && o.crop, concat: !!o.concat, frames: o.frames, crf: o.crf, loopDrivers: !!o.loopDrivers },
  };
}

export function registerAnimate(program: Command): void {
  const animate = program
    .command('animate')
    .description('animate a source portrait with a driving video, webcam, image or motion template')
    .option('-s, --source <image|video>', 'source portrait (jpg, png, webp…), or a video for video-to-video')
    .option('-i, --input <image>', 'alias of --source (the ailia demo\'s spelling)')
    .option(
      '-d, --driving <input>',
      "driving video, image, motion template (.json), or webcam: '0', 'webcam:N', /dev/videoN; repeat it to give each chosen face its own driver (left to right)",
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option('-o, --output <path>', 'output: .mp4 (video drivers), .png/.jpg (image driver), or DIR/%04d.png for a lossless frame sequence (default: animations/{source}--{driving}.mp4)');
  addEngineOptions(animate);
  addFaceOptions(animate);
  animate
    .addOption(new Option('--driving-face <n>', 'the face of the driving video that drives, left to right (tracked through the video)').argParser(int('--driving-face')))
    .option('--loop-drivers', 'with several drivers: a driver shorter than the first starts again instead of holding its last frame')
    .option('--no-relative', 'absolute driving motion instead of motion relative to the reference frame')
    .addOption(new Option('--region <name>', 'which part the driver animates').choices(ANIMATION_REGIONS).default(DEFAULTS.motion.region))
    .option('--no-stitching', 'do not apply the stitching MLP (the pasted-back face may then not line up with the shoulders)')
    .option('--eye-retargeting', 'drive the eyes from the driver\'s eye-open ratio (needs landmark.onnx)')
    .option('--lip-retargeting', 'drive the lips from the driver\'s lip-open ratio (needs landmark.onnx)')
    .option('--normalize-lip', 'close an open source mouth before animating; relative motion without eye/lip retargeting only, as the original (needs landmark.onnx)')
    .addOption(
      new Option('--driving-option <name>', 'expression-friendly scales motion by the face-volume ratio so frame 0 reproduces the source; pose-friendly does not')
        .choices(DRIVING_OPTIONS)
        .default(DEFAULTS.motion.drivingOption),
    )
    .addOption(new Option('--multiplier <x>', 'scale the motion (1 = as driven)').argParser(num('--multiplier', 0, 10)).default(DEFAULTS.motion.multiplier))
    .option('--smooth', 'one-euro smoothing of the driving motion (recommended for webcams)')
    .option('--reference <n|auto>', 'driving frame used as the relative-motion reference', '0')
    .addOption(
      new Option('--smooth-variance <x>', 'source video: Kalman observation variance of the driven motion (larger = smoother; try ×10 steps)')
        .argParser(num('--smooth-variance', 1e-12, 1))
        .default(DEFAULTS.smoothing.kalman.observationVariance),
    )
    .option('--source-eye-retarget', "source video: keep the eyes as open as in the first source frame (needs landmark.onnx)")
    .option('--no-crop', 'resize the whole source image to 256 instead of cropping the face (disables paste-back)')
    .addOption(new Option('--scale <x>', 'source crop size relative to the face').argParser(num('--scale', 1, 4)).default(DEFAULTS.crop.source.scale))
    .addOption(new Option('--vx <x>', 'source crop horizontal shift, fraction of the crop side (the original ignores vx; here it is applied)').argParser(num('--vx', -0.5, 0.5)).default(0))
    .addOption(new Option('--vy <x>', 'source crop vertical shift, fraction of the crop side (negative = up)').argParser(num('--vy', -0.5, 0.5)).default(DEFAULTS.crop.source.vy))
    .addOption(new Option('--crop-driving <mode>', 'crop driving frames around the face: auto = non-square videos (as the original)').choices(DRIVING_CROP_MODES).default('auto'))
    .addOption(new Option('--driving-box <mode>', 'driving crop box: averaged over the video (as the original) or per frame').choices(DRIVING_BOX_MODES).default('average'))
    .addOption(new Option('--driving-scale <x>', 'driving crop size relative to the face').argParser(num('--driving-scale', 1, 4)).default(DEFAULTS.crop.driving.scale))
    .addOption(new Option('--driving-vy <x>', 'driving crop vertical shift').argParser(num('--driving-vy', -0.5, 0.5)).default(DEFAULTS.crop.driving.vy))
    .addOption(new Option('--max-dim <px>', 'limit of the source image\'s long side (the original\'s 1280)').argParser(int('--max-dim', 64)).default(DEFAULTS.source.maxDim))
    .option('--no-pasteback', 'write the 512x512 face render instead of pasting it back into the source')
    .option('--preview', 'show the result live in a window (ffplay); without -o nothing is written; close the window to stop')
    .option('--concat', 'also write {output}_concat.mp4: driving | source | result side by side')
    .addOption(new Option('--frames <n>', 'animate at most N frames').argParser(int('--frames', 1)))
    .addOption(new Option('--crf <n>', 'H.264 quality (0 best … 51 worst)').argParser(int('--crf', 0)).default(DEFAULTS.output.crf))
    .option('--strict', 'fail when a video decodes fewer frames than it states (truncated or damaged) instead of warning')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  liveportrait animate -i portrait.jpg --driving talk.mp4 -o result.mp4\n' +
        '  liveportrait animate -i portrait.jpg --driving 0 --smooth -o live.mp4      (webcam 0)\n' +
        '  liveportrait animate -i portrait.jpg --driving smile.jpg -o smile.png       (image driving)\n' +
        '  liveportrait animate -i portrait.jpg --driving motion.json -o out.mp4       (motion template)\n' +
        '  liveportrait animate -s clip.mp4 --driving talk.mp4 -o v2v.mp4              (video-to-video)\n' +
        '  liveportrait animate -i group.jpg --faces all -d a.mp4 -d b.mp4 -o both.mp4  (a driver per face)\n' +
        'Output is H.264 yuv420p at the driving frame rate with the driving audio; it is written to a\n' +
        'temporary file and renamed when complete, so an interrupted run leaves nothing at the target path.\n' +
        'Inputs and the output path (.mp4/.mov/.mkv, DIR/%04d.png, or an image for an image driver) are\n' +
        'checked before any model is loaded.\n' +
        CONFLICT_HELP,
    )
    .action(async (o: AnimateOpts, cmd: Command) => {
      const source = o.source ?? o.input;
      if (!source) throw new Error('missing --source (or -i/--input): the portrait to animate');
      if (!o.driving?.length) throw new Error('missing --driving: a video, image, motion template (.json) or webcam (0, webcam:N)');
      const bar = createProgress({ label: 'animate', unit: 'frames', quiet: o.quiet });
      const request: AnimateFileRequest = {
        source,
        driving: o.driving,
        output: o.output,
        options: toOptions(o, (key) => cmd.getOptionValueSource(key) === 'cli'),
        cleanupOnInterrupt: true,
        strict: o.strict,
        preview: o.preview,
        onProgress: (done, total) => bar.update(done, total),
        onWarning: (m) => process.stderr.write(`warning: ${m}\n`),
      };
      await checkAnimateRequest(request);
      const engine = await engineFor(o);
      try {
        const result = await animateFile(engine, request);
        bar.stop();
        process.stdout.write(
          `${result.output ? `wrote ${result.output}` : 'previewed'} (${result.frames} frame${result.frames === 1 ? '' : 's'}${result.driverKind === 'image' ? '' : ` at ${+result.fps.toFixed(3)} fps${result.hasAudio ? ', with audio' : ''}`})\n` +
            (result.concat ? `wrote ${result.concat}\n` : '') +
            (result.jitter
              ? `keypoint jitter (mean frame-to-frame L2): ${result.jitter.smoothed.toExponential(3)} smoothed, ${result.jitter.unsmoothed.toExponential(3)} unsmoothed (ratio ${result.jitter.ratio.toFixed(3)})\n`
              : ''),
        );
      } finally {
        bar.stop();
        await engine.release();
      }
    });

  const template = program
    .command('template')
    .description('extract the per-frame motion of a driving video into a motion template (JSON) — no pixels are kept')
    .option('-d, --driving <video>', 'driving video (or webcam spec)')
    .option('-o, --output <file>', 'template file (default: the video\'s name with .json, in the current directory)');
  addEngineOptions(template);
  template
    .addOption(new Option('--crop-driving <mode>', 'crop driving frames around the face').choices(DRIVING_CROP_MODES).default('auto'))
    .addOption(new Option('--frames <n>', 'at most N frames').argParser(int('--frames', 1)))
    .option('--strict', 'fail when the video decodes fewer frames than it states (truncated or damaged) instead of warning')
    .addHelpText('after', '\nReplay it with: liveportrait animate -i portrait.jpg --driving motion.json -o out.mp4')
    .action(async (o: CommonOpts & { driving?: string; output?: string; cropDriving: DrivingCropMode; frames?: number; strict?: boolean }) => {
      if (!o.driving) throw new Error('missing --driving: the video whose motion to extract');
      const bar = createProgress({ label: 'template', unit: 'frames', quiet: o.quiet });
      const request = {
        driving: o.driving,
        output: o.output ?? defaultTemplatePath(o.driving, '.'),
        options: { crop: { cropDriving: o.cropDriving, detector: o.det, drivingFace: o.faceIndex }, output: { frames: o.frames } },
        cleanupOnInterrupt: true,
        strict: o.strict,
        onWarning: (m: string) => process.stderr.write(`warning: ${m}\n`),
        onProgress: (d: number, t: number | undefined) => bar.update(d, t),
      };
      await checkTemplateRequest(request);
      const engine = await engineFor(o);
      try {
        const r = await extractTemplate(engine, request);
        bar.stop();
        process.stdout.write(`wrote ${r.output} (${r.frames} frames at ${r.fps} fps)\n`);
      } finally {
        bar.stop();
        await engine.release();
      }
    });
}
