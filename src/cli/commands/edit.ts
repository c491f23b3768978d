/** `liveportrait edit`: expression editing of one portrait (sliders, copying from another face, clips). */
import { Command, Option } from 'commander';
import { DEFAULTS } from '../../settings.js';
import { OptionError, expectInteger, parseNumberOption } from '../../validate.js';
import { COPY_PARTS, COPY_RATIO_RANGE, EDIT_RANGES, EDIT_VARIANT_NAMES, validateEditControls, type CopyParts, type EditControlName, type EditControls, type EditVariant } from '../../math/editing.js';
import { checkEditRequest, editFile, type EditFileRequest } from '../../pipeline/edit.js';
import { CONFLICT_HELP } from '../conflicts.js';
import { addEngineOptions, addFaceOptions, engineFor, faceSelectionOf, type CommonOpts, type FaceOpts } from './animate.js';
import { createProgress } from '../progress.js';

/** CLI flag → control. `--zoom` is the Gradio "z-axis movement" (a size factor); `--scale` stays the crop scale as in animate. */
const CONTROL_FLAGS: readonly (readonly [string, EditControlName, string])[] = [
  ['pitch', 'pitch', 'head pitch, degrees relative to the source'],
  ['yaw', 'yaw', 'head yaw, degrees'],
  ['roll', 'roll', 'head roll, degrees'],
  ['blink', 'blink', 'eyes closed (> 0) or wide (< 0) (comfyui variant)'],
  ['eyebrow', 'eyebrow', 'eyebrows raised (> 0) or frowning (< 0)'],
  ['wink', 'wink', 'wink'],
  ['pupil-x', 'pupilX', 'gaze left/right'],
  ['pupil-y', 'pupilY', 'gaze up/down'],
  ['smile', 'smile', 'smile'],
  ['aaa', 'aaa', 'mouth open ("aaa"; gradio: lip close <-> open)'],
  ['eee', 'eee', 'mouth wide ("eee"; gradio: grin)'],
  ['woo', 'woo', 'lips rounded ("woo"; gradio: pursing)'],
  ['pout', 'pout', 'pouting (gradio variant)'],
  ['lip-open', 'lipOpen', 'target lip-open ratio through the lip retargeting network (needs landmark.onnx)'],
  ['eyes-open', 'eyesOpen', 'target eyes-open ratio through the eye retargeting network (needs landmark.onnx)'],
  ['move-x', 'moveX', 'shift the face horizontally'],
  ['move-y', 'moveY', 'shift the face vertically'],
  ['zoom', 'scale', 'face size factor (the Gradio tab\'s z-axis movement; 1 = unchanged)'],
  ['source-ratio', 'sourceRatio', 'factor on the source expression (1 = unchanged, 0 = neutral face)'],
];

const camel = (flag: string): string => flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

function rangeText(name: EditControlName): string {
  const ranges = EDIT_VARIANT_NAMES.filter((v) => EDIT_RANGES[v][name]).map((v) => `${v} ${EDIT_RANGES[v][name]!.min}…${EDIT_RANGES[v][name]!.max}`);
  return ranges.join(', ');
}

/** Validates against the variant, naming the CLI flag (not the library's control name) in the error. */
function controlsFrom(o: Record<string, unknown>, variant: EditVariant): EditControls {
  const controls: EditControls = {};
  for (const [flag, name] of CONTROL_FLAGS) {
    const value = o[camel(flag)];
    if (value !== undefined) controls[name] = value as number;
  }
  try {
    return validateEditControls(controls, variant);
  } catch (err) {
    if (!(err instanceof OptionError)) throw err;
    const entry = CONTROL_FLAGS.find(([, name]) => name === err.parameter);
    if (!entry) throw err;
    throw new OptionError(`--${entry[0]}`, err.message.replace(new RegExp(`\\b${err.parameter}\\b`, 'g'), `--${entry[0]}`));
  }
}

interface EditOpts extends CommonOpts, FaceOpts {
  source?: string;
  input?: string;
  output?: string;
  variant: EditVariant;
  from?: string;
  parts: CopyParts;
  ratio: number;
  fromFaceIndex: number;
  stitching: boolean;
  frames?: number;
  crop: boolean;
  scale: number;
  vx: number;
  vy: number;
  maxDim: number;
  pasteback: boolean;
  crf: number;
}

export function registerEdit(program: Command): Command {
  const cmd = program
    .command('edit')
    .description('edit the expression, gaze and head pose of a portrait (one image in, one image — or a short clip — out)')
    .option('-s, --source <image>', 'the portrait')
    .option('-i, --input <image>', 'alias of --source')
    .option('-o, --output <path>', 'output image (.png, .jpg, .webp), or .mp4 with --frames');
  addEngineOptions(cmd);
  addFaceOptions(cmd);
  for (const [flag, name, help] of CONTROL_FLAGS) {
    cmd.addOption(new Option(`--${flag} <x>`, `${help} [${rangeText(name)}]`).argParser((t) => parseNumberOption(`--${flag}`, t)));
  }
  cmd
    .addOption(new Option('--variant <name>', 'control table: comfyui (ComfyUI-AdvancedLivePortrait, with blink) or gradio (the official retargeting tab, with pout)').choices(EDIT_VARIANT_NAMES).default('comfyui'))
    .option('--from <image>', 'move toward the expression / rotation of another face')
    .addOption(
      new Option('--from-face-index <n>', 'which face of the --from image, largest first (--face-index picks the face to edit)')
        .argParser((t) => expectInteger('--from-face-index', parseNumberOption('--from-face-index', t), 0))
        .default(0),
    )
    .addOption(new Option('--parts <which>', 'what --from copies').choices(COPY_PARTS).default('all'))
    .addOption(
      new Option('--ratio <r>', `how far toward --from (0 = source, 1 = copy) [${COPY_RATIO_RANGE.min}…${COPY_RATIO_RANGE.max}]`)
        .argParser((t) => parseNumberOption('--ratio', t, COPY_RATIO_RANGE.min, COPY_RATIO_RANGE.max))
        .default(1),
    )
    .option('--no-stitching', 'do not apply the stitching MLP')
    .addOption(new Option('--frames <n>', `write an .mp4 of N frames (${DEFAULTS.output.fallbackFps} fps) moving from the unedited face to the edit`).argParser((t) => expectInteger('--frames', parseNumberOption('--frames', t), 1, 100000)))
    .option('--no-crop', 'resize the whole image to 256 instead of cropping the face (disables paste-back)')
    .addOption(new Option('--scale <x>', 'crop size relative to the face (the face size is --zoom)').argParser((t) => parseNumberOption('--scale', t, 1, 4)).default(DEFAULTS.crop.source.scale))
    .addOption(new Option('--vx <x>', 'crop horizontal shift').argParser((t) => parseNumberOption('--vx', t, -0.5, 0.5)).default(0))
    .addOption(new Option('--vy <x>', 'crop vertical shift').argParser((t) => parseNumberOption('--vy', t, -0.5, 0.5)).default(DEFAULTS.crop.source.vy))
    .addOption(new Option('--max-dim <px>', 'limit of the image\'s long side').argParser((t) => expectInteger('--max-dim', parseNumberOption('--max-dim', t), 64)).default(DEFAULTS.source.maxDim))
    .option('--no-pasteback', 'write the 512x512 face render instead of pasting it back')
    .addOption(new Option('--crf <n>', 'H.264 quality of a clip').argParser((t) => expectInteger('--crf', parseNumberOption('--crf', t), 0, 51)).default(DEFAULTS.output.crf))
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  liveportrait edit -i portrait.jpg --smile 1 --pupil-x 10 -o smiling.png\n' +
        '  liveportrait edit -i portrait.jpg --variant gradio --pout 0.05 --eyes-open 0.4 -o pout.jpg\n' +
        '  liveportrait edit -i portrait.jpg --from laughing.jpg --parts mouth --ratio 0.8 -o laugh.png\n' +
        '  liveportrait edit -i portrait.jpg --aaa 60 --yaw 10 --frames 25 -o talk.mp4   (clip from the unedited face)\n' +
        'Out-of-range values are refused with the allowed range of the chosen variant.\n' +
        CONFLICT_HELP,
    )
    .action(async (o: EditOpts & Record<string, unknown>) => {
      const source = o.source ?? o.input;
      if (!source) throw new OptionError('--source', 'missing --source (or -i/--input): the portrait to edit');
      if (!o.output) throw new OptionError('--output', 'missing -o/--output: the edited image (.png/.jpg/.webp) or, with --frames, an .mp4');
      const controls = controlsFrom(o, o.variant);
      const bar = createProgress({ label: 'edit', unit: 'frames', quiet: o.quiet || o.frames === undefined });
      const request: EditFileRequest = {
        source,
        output: o.output,
        controls,
        variant: o.variant,
        stitching: o.stitching,
        from: o.from,
        parts: o.parts,
        ratio: o.ratio,
        fromFaceIndex: o.fromFaceIndex,
        frames: o.frames,
        crop: { crop: o.crop, scale: o.scale, vx: o.vx, vy: o.vy, detector: o.det, faces: faceSelectionOf(o), minFace: o.minFace, maxDim: o.maxDim },
        pasteback: o.pasteback && o.crop,
        crf: o.crf,
        cleanupOnInterrupt: true,
        onProgress: (d, t) => bar.update(d, t),
        onWarning: (m) => process.stderr.write(`warning: ${m}\n`),
      };
      await checkEditRequest(request);
      const engine = await engineFor(o);
      try {
        const result = await editFile(engine, request);
        bar.stop();
        const details = [result.frames > 1 ? `${result.frames} frames` : '', result.faces > 1 ? `${result.faces} faces` : ''].filter(Boolean).join(', ');
        process.stdout.write(`wrote ${result.output}${details ? ` (${details})` : ''}\n`);
      } finally {
        bar.stop();
        await engine.release();
      }
    });
  return cmd;
}
