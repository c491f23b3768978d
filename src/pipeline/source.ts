/**
 * Per-source work, done once and cached: crop, appearance feature volume, source motion and keypoints,
 * eye/lip ratios, the lip-normalisation delta and the paste-back plan. Isomorphic (no Node imports).
 */
import type { RgbImage } from '../image/types.js';
import type { Tensor } from '../runtime/onnx.js';
import type { AppearanceExtractor, MotionExtractor, StitchingModels, WarpGenerator } from '../models/wrappers.js';
import type { FaceCropper, SourceCrop } from '../face/cropper.js';
import { wholeFrameInput } from '../face/cropper.js';
import type { Face } from '../face/types.js';
import { resizeToLimit } from '../image/resize.js';
import { imageToTensor } from '../image/tensor.js';
import { createPasteBackMask } from '../image/mask.js';
import { preparePasteBack, type PasteBackPlan } from '../image/blend.js';
import type { GrayImage } from '../image/gray.js';
import { motionFromModelOutputs, transformKeypoints, type MotionInfo } from '../math/keypoints.js';
import { eyeCloseRatios, lipCloseRatio } from '../math/ratios.js';
import { lipRetargetInput } from '../math/stitching.js';
import { DEFAULTS } from '../settings.js';
import { OptionError } from '../validate.js';
import type { CropOptions } from './options.js';

/** The LivePortrait models the frame pipeline runs (the face models live in the cropper). */
export interface PortraitModels {
  readonly appearance: AppearanceExtractor;
  readonly motion: MotionExtractor;
  readonly warp: WarpGenerator;
  readonly stitching: StitchingModels;
}

export interface PreparedSource {
  /** The source image after the long-side limit (the paste-back canvas). */
  readonly image: RgbImage;
  /** Face crop and transforms; undefined when cropping is off. */
  readonly crop?: SourceCrop;
  /** The 256×256 F/M input. */
  readonly input256: RgbImage;
  /** Appearance feature volume 1×32×16×64×64. */
  readonly feature: Tensor;
  readonly motion: MotionInfo;
  /** Source keypoints x_s (21×3). */
  readonly keypoints: Float32Array;
  /**
   * 203-point landmarks (406 values, image coordinates): from the crop, or with `--no-crop` from the whole
   * image when normalise-lip or retargeting asks for them. Need the landmark model.
   */
  readonly landmarks203?: Float32Array;
  /** Source eye-open ratios [left, right] and lip-open ratio, from `landmarks203`. */
  readonly eyeRatios?: readonly [number, number];
  readonly lipRatio?: number;
  /**
   * Delta that closes an open source mouth (normalise-lip), when asked for and the source lip ratio is at
   * least the threshold; the animator adds it only where the original does (see algorithm1.ts).
   */
  readonly lipNormalizeDelta?: Float32Array;
  readonly pasteBack?: PasteBackPlan;
  readonly warnings: readonly string[];
}

export interface PrepareSourceOptions {
  readonly crop: CropOptions;
  readonly normalizeLip?: boolean;
  /**
   * The run needs the source's eye/lip ratios (eye/lip retargeting). With the crop they come with it;
   * without it (`--no-crop`) the 203-point landmarks are then computed on the whole image, as the
   * original does. Implied by `normalizeLip`.
   */
  readonly ratios?: boolean;
  readonly pasteback?: boolean;
  /** Custom paste-back mask (default: the generated LivePortrait mask template). */
  readonly mask?: GrayImage;
  /** File name for messages ("no face found in NAME"). */
  readonly label?: string;
  readonly frame?: number;
  /** A face already detected in the (size-limited) image: crop that one (multi-face). */
  readonly face?: Face;
  /** How the face index is named in errors (the CLI flag that set it); default the crop option's name. */
  readonly faceIndexName?: string;
}

/** The model-input tensor of a 256 image (NCHW, [0, 1]). */
export function modelInput(image256: RgbImage): Float32Array {
  return imageToTensor(image256);
}

export async function extractMotion(models: Pick<PortraitModels, 'motion'>, image256: RgbImage): Promise<MotionInfo> {
  return motionFromModelOutputs(await models.motion.extract(modelInput(image256)));
}

let defaultMask: GrayImage | undefined;

/**
 * The 203-point landmarks of a source used whole (`--no-crop`), as the original's
 * `calc_lmk_from_cropped_image`: detect on the full image, take the face (largest first), run the
 * landmark model seeded from it. Undefined when no face is found.
 */
async function wholeImageLandmarks(cropper: FaceCropper, image: RgbImage, faceIndex: number): Promise<Float32Array | undefined> {
  const faces = await cropper.detectFaces(image);
  if (faces.length === 0) return undefined;
  if (faceIndex >= faces.length) {
    throw new OptionError('faceIndex', `Expected faceIndex below ${faces.length} (faces found in the source, largest first) but received ${faceIndex}`);
  }
  return (await cropper.landmarks(image, faces[faceIndex])).landmarks203;
}

export async function prepareSource(
  image: RgbImage,
  models: PortraitModels,
  cropper: FaceCropper | undefined,
  options: PrepareSourceOptions,
): Promise<PreparedSource> {
  const limited = resizeToLimit(image, options.crop.maxDim, DEFAULTS.source.division);
  const warnings: string[] = [];
  let crop: SourceCrop | undefined;
  let input256: RgbImage;
  let landmarks203: Float32Array | undefined;
  if (options.crop.crop) {
    if (!cropper) throw new Error('cropping the source needs a face detector');
    crop = await cropper.cropSource(limited, {
      scale: options.crop.scale,
      vx: options.crop.vx,
      vy: options.crop.vy,
      faceIndex: options.crop.faceIndex,
      face: options.face,
      faceIndexName: options.faceIndexName,
      label: options.label,
      frame: options.frame,
    });
    warnings.push(...crop.warnings);
    input256 = crop.crop256;
    landmarks203 = crop.landmarks203;
  } else {
    input256 = wholeFrameInput(limited);
    if ((options.normalizeLip || options.ratios) && cropper?.landmark203) {
      landmarks203 = await wholeImageLandmarks(cropper, limited, options.crop.faceIndex);
      if (!landmarks203) warnings.push(`no face found in ${options.label ?? 'the source'}: no eye/lip ratios for normalise-lip or retargeting`);
    }
  }
  const tensor = modelInput(input256);
  const feature = await models.appearance.extract(tensor);
  const motion = motionFromModelOutputs(await models.motion.extract(tensor));
  const keypoints = transformKeypoints(motion);
  const eyeRatios = landmarks203 ? eyeCloseRatios(landmarks203) : undefined;
  const lipRatio = landmarks203 ? lipCloseRatio(landmarks203) : undefined;
  let lipNormalizeDelta: Float32Array | undefined;
  if (options.normalizeLip) {
    if (lipRatio === undefined) {
      if (!cropper?.landmark203) warnings.push('normalise-lip needs the 203-point landmark model: skipped');
    } else if (lipRatio >= DEFAULTS.motion.normalizeLipThreshold) {
      lipNormalizeDelta = await models.stitching.retargetLip(lipRetargetInput(keypoints, lipRatio, 0));
    }
  }
  let pasteBack: PasteBackPlan | undefined;
  if ((options.pasteback ?? true) && crop) {
    const mask = options.mask ?? (defaultMask ??= createPasteBackMask(512));
    pasteBack = preparePasteBack(mask, crop.M_c2o, limited.width, limited.height);
  }
  return {
    image: limited,
    crop,
    input256,
    feature,
    motion,
    keypoints,
    landmarks203,
    eyeRatios: eyeRatios ? [eyeRatios[0], eyeRatios[1]] : undefined,
    lipRatio,
    lipNormalizeDelta,
    pasteBack,
    warnings,
  };
}
