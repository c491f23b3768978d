/**
 * From "an image" to "a face crop and its transforms" (the original's `Cropper.crop_source_image`):
 * detect, pick a face, get landmarks, compute the crop geometry, warp the 512 crop and its 256 model input.
 *
 * Landmarks used for the crop, best first:
 * - 106 points (InsightFace 2d106det) — exactly the original;
 * - 203 points (LivePortrait landmark.onnx), seeded from whatever the detector stage gave;
 * - 478 points (MediaPipe face mesh, `--det facemesh`), anchored on the irises and the lip;
 * - the detector's 5 keypoints.
 * The sparse layouts (5, 478) are mapped to the equivalent 106-point box (see math/crop.ts), so every path
 * frames the head like the original. The 203-point landmarks, when the model is present, are returned in
 * image coordinates for the eye/lip ratios.
 */
import { cropTransform, type CropRect, type LandmarkLayout } from '../math/crop.js';
import type { Matrix3 } from '../math/affine.js';
import type { RgbImage } from '../image/types.js';
import { warpAffine } from '../image/warp.js';
import { resizeArea, resizeBilinear } from '../image/resize.js';
import { DEFAULTS, DETECTORS, type DetectorKind } from '../settings.js';
import { OptionError, expectInteger, expectNumber, expectOneOf } from '../validate.js';
import type { InferenceSession } from '../runtime/onnx.js';
import { boxHeight, boxWidth, NoFaceError, type Face, type FaceDetector } from './types.js';
import { YuNetDetector } from './yunet.js';
import { ScrfdDetector } from './scrfd.js';
import { Landmark106, type Landmark106Model } from './landmark106.js';
import { Landmark203, type Landmark203Model } from './landmark203.js';
import { FaceMesh, type FaceMeshModel } from './facemesh.js';

export { resizeToLimit } from '../image/resize.js';

/** Faces smaller than this (box side in pixels) get a warning: the 512 crop would be mostly upscaled. */
export const MIN_FACE_SIZE = 64;

export interface FaceCropperParts {
  readonly kind: DetectorKind;
  readonly detector: FaceDetector;
  readonly landmark203?: Landmark203Model;
  readonly landmark106?: Landmark106Model;
  readonly facemesh?: FaceMeshModel;
}

/** Loaded sessions per face role (the shape of the model set's `face` field). */
export interface FaceSessions {
  readonly detector?: { readonly session: InferenceSession };
  readonly landmark203?: { readonly session: InferenceSession };
  readonly landmark106?: { readonly session: InferenceSession };
  readonly facemesh?: { readonly session: InferenceSession };
}

export interface FaceCropperOptions {
  /** Detector score threshold (default: the detector's own). */
  readonly scoreThreshold?: number;
  /** Detector NMS IoU (default 0.4). */
  readonly nmsIou?: number;
}

export interface SourceCropOptions {
  readonly scale?: number;
  readonly vx?: number;
  readonly vy?: number;
  /** Crop side (default 512). */
  readonly dsize?: number;
  /** Which face, largest first (default 0). */
  readonly faceIndex?: number;
  /** A face already detected in `image` (multi-face): used instead of detecting and indexing. */
  readonly face?: Face;
  /** How the face index is named in errors (the CLI flag that set it, e.g. '--from-face-index'). */
  readonly faceIndexName?: string;
  /** Rotate the crop upright (default true). */
  readonly rotate?: boolean;
  /** File name (and frame) for messages. */
  readonly label?: string;
  readonly frame?: number;
}

/** Landmarks for one face: the set used for the crop, plus the 203 points when available. */
export interface FaceLandmarks {
  /** Interleaved image coordinates of the set used for the crop. */
  readonly points: Float32Array;
  readonly layout: LandmarkLayout;
  /** 203 points in image coordinates (eye/lip ratios), when the landmark model is loaded. */
  readonly landmarks203?: Float32Array;
  /** The set the detector stage produced (106, 478 or 5 points), used to seed the 203-point model. */
  readonly seed: Float32Array;
  readonly warnings: string[];
}

export interface SourceCrop {
  /** dsize×dsize crop (512 by default). */
  readonly crop512: RgbImage;
  /** The crop area-resized to 256, the F/M model input. */
  readonly crop256: RgbImage;
  /** Image → crop (3x3). */
  readonly M_o2c: Matrix3;
  /** Crop → image (3x3), for paste-back. */
  readonly M_c2o: Matrix3;
  readonly rect: CropRect;
  /** Points the crop was computed from (image coordinates) and their layout. */
  readonly landmarks: Float32Array;
  readonly landmarksKind: LandmarkLayout;
  /** 406 values, image coordinates, when the 203-point model is loaded. */
  readonly landmarks203?: Float32Array;
  readonly face: Face;
  /** How many faces the detector found. */
  readonly faceCount: number;
  /** Human-readable notes (missing landmark model, small face, face at the border). */
  readonly warnings: string[];
}

function faceWarnings(face: Face, image: RgbImage): string[] {
  const out: string[] = [];
  const w = boxWidth(face.box), h = boxHeight(face.box);
  if (Math.min(w, h) < MIN_FACE_SIZE) {
    out.push(`the face is small (${Math.round(w)}x${Math.round(h)} px, under ${MIN_FACE_SIZE} px): the animation will be blurry`);
  }
  const margin = 0.05 * Math.max(w, h);
  const [x1, y1, x2, y2] = face.box;
  if (x1 < -margin || y1 < -margin || x2 > image.width + margin || y2 > image.height + margin) {
    out.push('the face is cut by the image border: the crop will contain black padding and the result may show it');
  }
  return out;
}

const LAYOUT_NAMES: Record<LandmarkLayout, string> = {
  5: 'detector keypoints',
  106: '106-point landmarks',
  203: '203-point landmarks',
  478: '478-point face mesh',
};

export class FaceCropper {
  readonly kind: DetectorKind;
  readonly detector: FaceDetector;
  readonly landmark203?: Landmark203Model;
  readonly landmark106?: Landmark106Model;
  readonly facemesh?: FaceMeshModel;

  constructor(parts: FaceCropperParts) {
    this.kind = expectOneOf('detector', parts.kind, DETECTORS);
    this.detector = parts.detector;
    this.landmark203 = parts.landmark203;
    this.landmark106 = parts.landmark106;
    this.facemesh = parts.facemesh;
  }

  /**
   * Builds the wrappers from loaded sessions: 'yunet' and 'facemesh' use the YuNet detector, 'insightface'
   * SCRFD (+ 2d106det when given); 'facemesh' needs the face-mesh model.
   */
  static fromModels(kind: DetectorKind, models: FaceSessions, options: FaceCropperOptions = {}): FaceCropper {
    expectOneOf('detector', kind, DETECTORS);
    const role = kind === 'insightface' ? 'detector_scrfd' : 'detector_yunet';
    if (!models.detector) throw new OptionError('detector', `detector '${kind}' needs a ${role} model, which is not loaded`);
    if (kind === 'facemesh' && !models.facemesh) throw new OptionError('detector', "detector 'facemesh' needs the facemesh model, which is not loaded");
    const detOptions = { scoreThreshold: options.scoreThreshold, nmsIou: options.nmsIou };
    const detector = kind === 'insightface' ? new ScrfdDetector(models.detector, detOptions) : new YuNetDetector(models.detector, detOptions);
    return new FaceCropper({
      kind,
      detector,
      landmark203: models.landmark203 ? new Landmark203(models.landmark203) : undefined,
      landmark106: models.landmark106 ? new Landmark106(models.landmark106) : undefined,
      facemesh: models.facemesh ? new FaceMesh(models.facemesh) : undefined,
    });
  }

  /** All faces, largest first. */
  detectFaces(image: RgbImage): Promise<Face[]> {
    return this.detector.detect(image);
  }

  /** The detector-stage landmarks of a face: 106 or 478 points when those models are loaded, else the 5 keypoints. */
  async seedLandmarks(image: RgbImage, face: Face): Promise<{ points: Float32Array; layout: LandmarkLayout }> {
    if (this.landmark106 && this.kind !== 'facemesh') return { points: await this.landmark106.detect(image, face.box), layout: 106 };
    if (this.facemesh && this.kind !== 'insightface') return { points: await this.facemesh.detect(image, face.box), layout: 478 };
    return { points: Float32Array.from(face.keypoints5), layout: 5 };
  }

  /** Landmarks for one detected face, choosing the best available set for the crop (see the module note). */
  async landmarks(image: RgbImage, face: Face): Promise<FaceLandmarks> {
    const seed = await this.seedLandmarks(image, face);
    const warnings: string[] = [];
    let landmarks203: Float32Array | undefined;
    if (this.landmark203) landmarks203 = await this.landmark203.detect(image, seed.points);
    else warnings.push(`no 203-point landmark model: crop from ${LAYOUT_NAMES[seed.layout]}; eye/lip ratios unavailable`);
    const use203 = landmarks203 !== undefined && seed.layout !== 106;
    return {
      points: use203 ? landmarks203! : seed.points,
      layout: use203 ? 203 : seed.layout,
      landmarks203,
      seed: seed.points,
      warnings,
    };
  }

  /**
   * Detects the face, crops it (scale 2.3, vy −0.125, 512 by default) and makes the 256 model input.
   * Throws NoFaceError when the image has no face.
   */
  async cropSource(image: RgbImage, options: SourceCropOptions = {}): Promise<SourceCrop> {
    const d = DEFAULTS.crop.source;
    const scale = expectNumber('scale', options.scale ?? d.scale, 0.1, 10);
    const vx = expectNumber('vx', options.vx ?? d.vx, -1, 1);
    const vy = expectNumber('vy', options.vy ?? d.vy, -1, 1);
    const dsize = expectInteger('dsize', options.dsize ?? d.dsize, 64, 4096);
    const indexName = options.faceIndexName ?? 'faceIndex';
    const faceIndex = expectInteger(indexName, options.faceIndex ?? DEFAULTS.detector.faceIndex, 0);
    const label = options.label ?? 'the image';

    const faces = options.face ? [options.face] : await this.detectFaces(image);
    if (faces.length === 0) throw new NoFaceError(label, options.frame);
    if (faceIndex >= faces.length && !options.face) {
      throw new OptionError(indexName, `Expected ${indexName} below ${faces.length} (faces found in ${label}, largest first) but received ${faceIndex}`);
    }
    const face = options.face ?? faces[faceIndex];
    const lm = await this.landmarks(image, face);
    const t = cropTransform(lm.points, { scale, vx, vy, dsize, layout: lm.layout, rotate: options.rotate ?? true });
    const crop512 = warpAffine(image, t.M_o2c, dsize, dsize);
    const modelSize = DEFAULTS.crop.modelInput;
    return {
      crop512,
      crop256: resizeArea(crop512, modelSize, modelSize),
      M_o2c: t.M_o2c,
      M_c2o: t.M_c2o,
      rect: { center: t.center, size: t.size, angle: t.angle },
      landmarks: lm.points,
      landmarksKind: lm.layout,
      landmarks203: lm.landmarks203,
      face,
      faceCount: faces.length,
      warnings: [...lm.warnings, ...faceWarnings(face, image)],
    };
  }
}

/** `--no-crop`: the whole frame resized to the model input (bilinear, aspect ratio not kept), as the original. */
export function wholeFrameInput(frame: RgbImage, size = DEFAULTS.crop.modelInput): RgbImage {
  return resizeBilinear(frame, size, size);
}
