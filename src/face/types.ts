/** Face detection results and the interface every detector implements. */
import type { Box } from '../math/crop.js';
import type { RgbImage } from '../image/types.js';

export type { Box } from '../math/crop.js';

export interface Face {
  /** [x1, y1, x2, y2] in image pixels. */
  readonly box: Box;
  readonly score: number;
  /**
   * Five keypoints, interleaved (x, y) in image pixels: eye, eye, nose tip, mouth corner, mouth corner,
   * each pair in image-left-first order (the subject's right eye comes first).
   */
  readonly keypoints5: number[];
}

export interface FaceDetector {
  /** Short name for messages ('yunet', 'scrfd'). */
  readonly name: string;
  /** All faces above the detector's threshold, largest box first. */
  detect(image: RgbImage): Promise<Face[]>;
}

/** A face was required but none was found. The message names the file (and frame). */
export class NoFaceError extends Error {
  constructor(
    /** File name or label of the input. */
    readonly source: string,
    /** Frame index for videos/streams; undefined for still images. */
    readonly frame?: number,
  ) {
    super(frame === undefined ? `no face found in ${source}` : `no face found in frame ${frame} of ${source}`);
    this.name = 'NoFaceError';
  }
}

export function boxWidth(box: Box): number {
  return box[2] - box[0];
}

export function boxHeight(box: Box): number {
  return box[3] - box[1];
}

export function boxArea(box: Box): number {
  return Math.max(0, box[2] - box[0]) * Math.max(0, box[3] - box[1]);
}

export function boxCenter(box: Box): [number, number] {
  return [(box[0] + box[2]) / 2, (box[1] + box[3]) / 2];
}

/** Sorts faces by box area, largest first (the original's 'large-small' direction). */
export function sortLargestFirst(faces: Face[]): Face[] {
  return faces.sort((a, b) => boxArea(b.box) - boxArea(a.box));
}

/** The eye midpoint of a face's 5 keypoints. */
export function eyeMidpoint(face: Face): [number, number] {
  const k = face.keypoints5;
  return [(k[0] + k[2]) / 2, (k[1] + k[3]) / 2];
}
