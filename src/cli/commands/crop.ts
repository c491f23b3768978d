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
import { DEFAULTS, DETECTORS, type DetectorKind } from '../../settings.js';
import { expectInteger, parseNumberOption } from '../../validate.js';
import { basename } from 'node:path';

interface CropOpts {
  input: string;
  output: string;
  models?: string;
  det: DetectorKind;
  faceIndex: number;
  scale: number;
  vx: number;
  vy: number;
  size: number;
  debug?: boolean;
}

export function registerCrop(program: Command): void {
  program
    .command('crop')
    .description('write the face crop of a photo as LivePortrait sees it (--debug draws the landmarks and face box)')
    .requiredOption('-i, --input <image>', 'the photo')
    .requiredOption('-o, --output <image>', 'the crop (.png, .jpg or .webp)')
    .option('--models <dir>', 'model pack directory (only the face models are used)')
    .addOption(new Option('--det <name>', 'face detector').choices(DETECTORS).default(DEFAULTS.detector.kind))
    .addOption(new Option('--face-index <n>', 'which face, largest first').argParser((t) => expectInteger('--face-index', parseNumberOption('--face-index', t), 0)).default(0))
    .addOption(new Option('--scale <x>', 'crop size relative to the face').argParser((t) => parseNumberOption('--scale', t, 1, 4)).default(DEFAULTS.crop.source.scale))
    .addOption(new Option('--vx <x>', 'horizontal shift (fraction of the crop side)').argParser((t) => parseNumberOption('--vx', t, -0.5, 0.5)).default(0))
    .addOption(new Option('--vy <x>', 'vertical shift (fraction of the crop side)').argParser((t) => parseNumberOption('--vy', t, -0.5, 0.5)).default(DEFAULTS.crop.source.vy))
    .addOption(new Option('--size <px>', 'crop side').argParser((t) => expectInteger('--size', parseNumberOption('--size', t), 64, 2048)).default(512))
    .option('--debug', 'draw the landmarks (green) used for the crop and the detected face box (red)')
    .action(async (o: CropOpts) => {
      await assertOutputsAreNotInputs([o.output], [o.input]);
      await checkInputFile(o.input, '--input');
      await checkOutputPath(o.output, { allowed: ['image'], what: 'crop writes' });
      if (o.det === 'insightface') process.stderr.write(`${insightfaceLicenceNotice()}\n`);
      const faces = await loadFaceModels(packDirectory({ models: o.models }), { detector: o.det });
      try {
        const cropper = FaceCropper.fromModels(o.det, faces);
        const image = resizeToLimit(await readImage(o.input), DEFAULTS.source.maxDim, DEFAULTS.source.division);
        const crop = await cropper.cropSource(image, { scale: o.scale, vx: o.vx, vy: o.vy, dsize: o.size, faceIndex: o.faceIndex, label: basename(o.input) });
        crop.warnings.forEach((w) => process.stderr.write(`warning: ${w}\n`));
        let out = crop.crop512;
        if (o.debug) {
          const pts = transformPoints(crop.M_o2c, crop.landmarks203 ?? crop.landmarks);
          const [x1, y1, x2, y2] = crop.face.box;
          const corners = transformPoints(crop.M_o2c, [x1, y1, x2, y2]);
          out = drawDebugCrop(out, pts, [Math.min(corners[0], corners[2]), Math.min(corners[1], corners[3]), Math.max(corners[0], corners[2]), Math.max(corners[1], corners[3])]);
        }
        await writeImage(o.output, out);
        process.stdout.write(`wrote ${o.output} (${o.size}x${o.size}, ${crop.faceCount} face${crop.faceCount === 1 ? '' : 's'} found, using #${o.faceIndex}, landmarks: ${crop.landmarksKind} points)\n`);
      } finally {
        await faces.release();
      }
    });
}
