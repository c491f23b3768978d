/**
 * YuNet face detector (OpenCV zoo, MIT): `yunet_n_640_640.onnx`, input `input` 1x3x640x640 BGR with raw
 * 0–255 values (OpenCV's blobFromImage defaults), outputs cls/obj/bbox/kps at strides 8, 16, 32.
 * Decoding follows OpenCV's FaceDetectorYN.
 */
import { float32Tensor, type InferenceSession } from '../runtime/onnx.js';
import { imageToTensorBgr255 } from '../image/tensor.js';
import type { RgbImage } from '../image/types.js';
import { DEFAULTS } from '../settings.js';
import { expectInteger, expectNumber } from '../validate.js';
import { finishDetections, letterbox } from './detect-common.js';
import type { Face, FaceDetector } from './types.js';

export interface YuNetOptions {
  /** Minimum score sqrt(cls·obj) (default 0.6, OpenCV's). */
  readonly scoreThreshold?: number;
  /** IoU above which the weaker of two boxes is dropped (default 0.4). */
  readonly nmsIou?: number;
  /** Keep at most this many faces. */
  readonly topK?: number;
}

const STRIDES = [8, 16, 32] as const;
export const YUNET_INPUT_SIZE = 640;

const clamp01 = (v: number): number => (v < 0 ? 0 : v > 1 ? 1 : v);

/** Decodes YuNet's raw outputs (keyed cls_8 … kps_32) into faces in input-tensor pixels, before NMS. */
export function decodeYuNet(outputs: Readonly<Record<string, ArrayLike<number>>>, inputSize: number, scoreThreshold: number): Face[] {
  const faces: Face[] = [];
  for (const s of STRIDES) {
    const cols = Math.floor(inputSize / s), rows = cols;
    const cls = outputs[`cls_${s}`], obj = outputs[`obj_${s}`], bbox = outputs[`bbox_${s}`], kps = outputs[`kps_${s}`];
    if (!cls || !obj || !bbox || !kps) throw new Error(`YuNet output for stride ${s} is missing`);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        const idx = r * cols + c;
        const score = Math.sqrt(clamp01(cls[idx]) * clamp01(obj[idx]));
        if (!(score >= scoreThreshold)) continue;
        const cx = (c + bbox[idx * 4]) * s, cy = (r + bbox[idx * 4 + 1]) * s;
        const w = Math.exp(bbox[idx * 4 + 2]) * s, h = Math.exp(bbox[idx * 4 + 3]) * s;
        const keypoints5: number[] = [];
        for (let n = 0; n < 5; n++) keypoints5.push((kps[idx * 10 + 2 * n] + c) * s, (kps[idx * 10 + 2 * n + 1] + r) * s);
        faces.push({ box: [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], score, keypoints5 });
      }
    }
  }
  return faces;
}

export class YuNetDetector implements FaceDetector {
  readonly name = 'yunet';
  private readonly scoreThreshold: number;
  private readonly nmsIou: number;
  private readonly topK: number;
  private readonly input = new Float32Array(3 * YUNET_INPUT_SIZE * YUNET_INPUT_SIZE);

  constructor(
    private readonly model: { readonly session: InferenceSession },
    options: YuNetOptions = {},
  ) {
    this.scoreThreshold = expectNumber('scoreThreshold', options.scoreThreshold ?? DEFAULTS.detector.yunetScoreThreshold, 0, 1);
    this.nmsIou = expectNumber('nmsIou', options.nmsIou ?? DEFAULTS.detector.nmsIou, 0, 1);
    this.topK = options.topK === undefined ? Infinity : expectInteger('topK', options.topK, 1);
  }

  async detect(image: RgbImage): Promise<Face[]> {
    const box = letterbox(image, YUNET_INPUT_SIZE);
    imageToTensorBgr255(box.image, this.input);
    const session = this.model.session;
    const out = await session.run({ [session.inputNames[0]]: await float32Tensor(this.input, [1, 3, YUNET_INPUT_SIZE, YUNET_INPUT_SIZE]) });
    const raw: Record<string, ArrayLike<number>> = {};
    for (const name of session.outputNames) raw[name] = out[name].data as Float32Array;
    return finishDetections(decodeYuNet(raw, YUNET_INPUT_SIZE, this.scoreThreshold), box.scale, this.nmsIou, this.topK);
  }
}
