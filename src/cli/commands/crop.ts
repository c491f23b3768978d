/** `liveportrait crop`: the face crop LivePortrait would animate, optionally with the landmarks drawn. */
import { Command, Option } from 'commander';
import { readImage, writeImage } from '../../io/image-file.js';
import { checkInputFile } from '../../io/input-file.js';
import { checkOutputPath } from '../../io/output-path.js';
import { assertOutputsAreNotInputs } from '../../io/output-guard.js';
import { FaceCropper } from '../../face/cropper.js';
import { drawDebugCrop } from '../../face/debug.js';
import { insightfaceLicenceNotice } from '../../face/scrfd.js';
import { transformPoints } from '../../math/affine.js';
import { loadFaceModels } from '../../models/model-set.js';
import { packDirectory } from '../../models/paths.js';
import { resizeToLimit } from '../../image/resize.js';
import { DEFAULTS, DETECTORS, type Device, type DetectorKind } from '../../settings.js';
import { OptionError, expectInteger, parseNumberOption } from '../../validate.js';
import { describeFace, facesLeftToRight, selectFaces } from '../../face/select.js';
import { addRuntimeOptions } from './animate.js';
import { basename } from 'node:path';

interface CropOpts {
  input?: string;
  source?: string;
  output?: string;
  list?: boolean;
  device: Device;
  threads: number;
  quiet?: boolean;
  models?: string;
  det: DetectorKind;
  faceIndex?: number;
  scale: number;
  vx: number;
  vy: number;
  size: number;
  debug?: boolean;
}

export function registerCrop(program: Command): void {
  const cmd = program
    .command('crop')
    .description('write the face crop of a photo as LivePortrait sees it (--debug draws the landmarks and face box)')
    .option('-s, --source <image>', 'the photo')
    .option('-i, --input <image>', 'alias of --source')
    .option('-o, --output <image>', 'the crop (.png, .jpg or .webp)')
    .option('--list', 'print every face found, left to right, with the index --faces / --face-index take')
    .option('--models <dir>', 'model pack directory (only the face models are used; YuNet is bundled with the package)')
    .addOption(new Option('--det <name>', 'face detector').choices(DETECTORS).default(DEFAULTS.detector.kind))
    .addOption(new Option('--face-index <n>', 'which face, left to right as --list prints them (default: the largest)').argParser((t) => expectInteger('--face-index', parseNumberOption('--face-index', t), 0)))
    .addOption(new Option('--scale <x>', 'crop size relative to the face').argParser((t) => parseNumberOption('--scale', t, 1, 4)).default(DEFAULTS.crop.source.scale))
    .addOption(new Option('--vx <x>', 'horizontal shift (fraction of the crop side)').argParser((t) => parseNumberOption('--vx', t, -0.5, 0.5)).default(0))
    .addOption(new Option('--vy <x>', 'vertical shift (fraction of the crop side)').argParser((t) => parseNumberOption('--vy', t, -0.5, 0.5)).default(DEFAULTS.crop.source.vy))
    .addOption(new Option('--size <px>', 'crop side').argParser((t) => expectInteger('--size', parseNumberOption('--size', t), 64, 2048)).default(512))
    .option('--debug', 'draw the landmarks (green) used for the crop and the detected face box (red)');
  addRuntimeOptions(cmd).action(async (o: CropOpts) => {
      const input = o.source ?? o.input;
      if (!input) throw new OptionError('--source', 'missing --source (or -i/--input): the photo to crop');
      if (!o.list && !o.output) throw new OptionError('--output', 'missing -o/--output: the crop image (or use --list to print the faces)');
      await assertOutputsAreNotInputs([o.output], [input]);
      await checkInputFile(input, o.source ? '--source' : '--input');
      if (o.output) await checkOutputPath(o.output, { allowed: ['image'], what: 'crop writes' });
      if (o.det === 'insightface' && !o.quiet) process.stderr.write(`${insightfaceLicenceNotice()}\n`);
      const faces = await loadFaceModels(packDirectory({ models: o.models }), { detector: o.det, device: o.device, threads: o.threads });
      try {
        const cropper = FaceCropper.fromModels(o.det, faces);
        const image = resizeToLimit(await readImage(input), DEFAULTS.source.maxDim, DEFAULTS.source.division);
        const label = basename(input);
        if (o.list) {
          const found = facesLeftToRight(await cropper.detectFaces(image));
          process.stdout.write(`${found.length} face${found.length === 1 ? '' : 's'} in ${label} (${image.width}x${image.height}), left to right:\n`);
          for (const f of found) process.stdout.write(`  ${describeFace(f)} score ${f.face.score.toFixed(2)}\n`);
          if (!o.output) return;
        }
        const output = o.output!;
        const picked = o.faceIndex === undefined ? undefined : selectFaces(await cropper.detectFaces(image), [o.faceIndex], { minFace: 1, label }).faces[0].face;
        const crop = await cropper.cropSource(image, { scale: o.scale, vx: o.vx, vy: o.vy, dsize: o.size, face: picked, label });
        if (!o.quiet) crop.warnings.forEach((w) => process.stderr.write(`warning: ${w}\n`));
        let out = crop.crop512;
        if (o.debug) {
          const pts = transformPoints(crop.M_o2c, crop.landmarks203 ?? crop.landmarks);
          const [x1, y1, x2, y2] = crop.face.box;
          const corners = transformPoints(crop.M_o2c, [x1, y1, x2, y2]);
          out = drawDebugCrop(out, pts, [Math.min(corners[0], corners[2]), Math.min(corners[1], corners[3]), Math.max(corners[0], corners[2]), Math.max(corners[1], corners[3])]);
        }
        await writeImage(output, out);
        const which = o.faceIndex === undefined ? `${crop.faceCount} face${crop.faceCount === 1 ? '' : 's'} found, using the largest` : `face ${o.faceIndex} from the left`;
        process.stdout.write(`wrote ${output} (${o.size}x${o.size}, ${which}, landmarks: ${crop.landmarksKind} points)\n`);
      } finally {
        await faces.release();
      }
    });
}
