/**
 * Driving-video face tracking and cropping, one frame at a time (nothing holds the video).
 *
 * Like the original (`crop_driving_video`), frame 0 is detected and later frames are tracked with the
 * 203-point model seeded from the previous frame's landmarks. Unlike the original, tracking is checked:
 * - without the 203-point model the detector runs on every frame;
 * - the face counts as lost, and is re-detected at once, when the tracked landmark box changes size by more
 *   than `sizeJump` (30 %) or its centre moves by more than `centerJump` (25 %) of its size from one frame to
 *   the next, or its centre leaves the frame;
 * - every `redetectInterval` frames (default 30) the detector runs anyway; if its face disagrees with the
 *   tracked one by the same thresholds, tracking restarts from the detection (drift correction).
 * When several faces are found mid-video, the one nearest the tracked face is kept.
 *
 * Crop boxes: each frame's box is the original's `parse_bbox_from_landmark` square (scale 2.2, vy −0.1,
 * no rotation). The original averages the boxes of the whole video (`averageBoxes`) and crops every frame
 * with that one box; a live source cannot look ahead, so it crops each frame with its own box. Which to
 * use is the caller's choice.
 */
import { parseBboxFromLandmark, parseRectFromLandmark, cropTransformFromBox, type Box, type CropRect, type LandmarkLayout } from '../math/crop.js';
import type { Matrix3 } from '../math/affine.js';
import type { RgbImage } from '../image/types.js';
import { warpAffine } from '../image/warp.js';
import { resizeBilinear } from '../image/resize.js';
import { DEFAULTS } from '../settings.js';
import { expectInteger, expectNumber } from '../validate.js';
import type { FaceCropper } from './cropper.js';
import { boxCenter, type Face } from './types.js';
import { facesLeftToRight } from './select.js';
import { OptionError } from '../validate.js';

export { averageBoxes } from '../math/crop.js';

export interface DrivingTrackerOptions {
  /** Crop box scale, shifts (defaults: the original's driving crop, 2.2 / 0 / −0.1). */
  readonly scale?: number;
  readonly vx?: number;
  readonly vy?: number;
  /** Face to follow on the first frame, largest first (default 0), or left to right with `leftToRight`. */
  readonly faceIndex?: number;
  /** Count `faceIndex` left to right (the order `crop --list` prints) instead of largest first. */
  readonly leftToRight?: boolean;
  /** Run the detector every N frames to correct drift (0 = only when the face is lost). Default 30. */
  readonly redetectInterval?: number;
  /** Relative size change that counts as a jump (default 0.3). */
  readonly sizeJump?: number;
  /** Centre movement, relative to the size, that counts as a jump (default 0.25). */
  readonly centerJump?: number;
}

export interface TrackedFace {
  /** Frame index (0-based, counted by the tracker). */
  readonly frame: number;
  /** Landmarks of this frame in frame coordinates, and their layout. */
  readonly landmarks: Float32Array;
  readonly layout: LandmarkLayout;
  /** 203 points (frame coordinates) when the landmark model is loaded. */
  readonly landmarks203?: Float32Array;
  /** This frame's square crop box [x1, y1, x2, y2]. */
  readonly box: Box;
  /** True when the detector ran on this frame and the landmarks restarted from its face. */
  readonly detected: boolean;
  /** The detection used, when `detected`. */
  readonly face?: Face;
}

interface State {
  readonly landmarks: Float32Array;
  readonly layout: LandmarkLayout;
  readonly rect: CropRect;
}

function rectOf(points: Float32Array, layout: LandmarkLayout): CropRect {
  return parseRectFromLandmark(points, { scale: 1, layout });
}

/** True when `next` differs from `ref` by more than the thresholds. */
export function rectJumped(ref: CropRect, next: CropRect, sizeJump: number, centerJump: number): boolean {
  if (!(next.size > 0) || !Number.isFinite(next.center[0]) || !Number.isFinite(next.center[1])) return true;
  const sizeChange = Math.abs(next.size - ref.size) / ref.size;
  const move = Math.hypot(next.center[0] - ref.center[0], next.center[1] - ref.center[1]) / ref.size;
  return sizeChange > sizeJump || move > centerJump;
}

function nearestFace(faces: Face[], center: readonly [number, number]): Face {
  let best = faces[0], bestD = Infinity;
  for (const f of faces) {
    const [x, y] = boxCenter(f.box);
    const d = Math.hypot(x - center[0], y - center[1]);
    if (d < bestD) {
      bestD = d;
      best = f;
    }
  }
  return best;
}

export class DrivingFaceTracker {
  private readonly scale: number;
  private readonly vx: number;
  private readonly vy: number;
  private readonly faceIndex: number;
  private readonly leftToRight: boolean;
  private readonly redetectInterval: number;
  private readonly sizeJump: number;
  private readonly centerJump: number;
  private state: State | undefined;
  private frameIndex = 0;
  private lastDetection = -Infinity;
  /** Notes gathered on the first detection (e.g. a missing landmark model). */
  warnings: string[] = [];

  constructor(
    private readonly cropper: FaceCropper,
    options: DrivingTrackerOptions = {},
  ) {
    const d = DEFAULTS.crop.driving;
    this.scale = expectNumber('scale', options.scale ?? d.scale, 0.1, 10);
    this.vx = expectNumber('vx', options.vx ?? d.vx, -1, 1);
    this.vy = expectNumber('vy', options.vy ?? d.vy, -1, 1);
    this.faceIndex = expectInteger('faceIndex', options.faceIndex ?? 0, 0);
    this.leftToRight = options.leftToRight ?? false;
    this.redetectInterval = expectInteger('redetectInterval', options.redetectInterval ?? 30, 0);
    this.sizeJump = expectNumber('sizeJump', options.sizeJump ?? 0.3, 0);
    this.centerJump = expectNumber('centerJump', options.centerJump ?? 0.25, 0);
  }

  /** Forgets the tracked face; the next frame is detected afresh. */
  reset(): void {
    this.state = undefined;
    this.lastDetection = -Infinity;
  }

  /** Landmarks and crop box for the next frame, or undefined when it has no face. */
  async track(frame: RgbImage): Promise<TrackedFace | undefined> {
    const index = this.frameIndex++;
    const tracker = this.cropper.landmark203;
    const previous = this.state;
    if (!tracker || !previous) return this.fromDetection(frame, index, previous);

    const tracked = await tracker.detect(frame, previous.landmarks);
    const trackedRect = rectOf(tracked, 203);
    const [cx, cy] = trackedRect.center;
    const lost = rectJumped(previous.rect, trackedRect, this.sizeJump, this.centerJump) || cx < 0 || cy < 0 || cx >= frame.width || cy >= frame.height;
    const due = this.redetectInterval > 0 && index - this.lastDetection >= this.redetectInterval;
    if (!lost && !due) return this.accept(index, { landmarks: tracked, layout: 203, rect: trackedRect }, tracked, false);

    const faces = await this.cropper.detectFaces(frame);
    this.lastDetection = index;
    if (faces.length === 0) {
      if (lost) {
        this.state = undefined;
        return undefined;
      }
      // The detector missed a face the tracker still follows consistently: keep tracking.
      return this.accept(index, { landmarks: tracked, layout: 203, rect: trackedRect }, tracked, false);
    }
    const face = nearestFace(faces, lost ? previous.rect.center : trackedRect.center);
    const lm = await this.cropper.landmarks(frame, face);
    const detectedRect = rectOf(lm.points, lm.layout);
    if (!lost && !rectJumped(detectedRect, trackedRect, this.sizeJump, this.centerJump)) {
      return this.accept(index, { landmarks: tracked, layout: 203, rect: trackedRect }, tracked, false);
    }
    return this.accept(index, { landmarks: lm.points, layout: lm.layout, rect: detectedRect }, lm.landmarks203, true, face);
  }

  private async fromDetection(frame: RgbImage, index: number, previous: State | undefined): Promise<TrackedFace | undefined> {
    const faces = await this.cropper.detectFaces(frame);
    this.lastDetection = index;
    if (faces.length === 0) {
      this.state = undefined;
      return undefined;
    }
    const face = previous ? nearestFace(faces, previous.rect.center) : this.firstFace(faces, index);
    const lm = await this.cropper.landmarks(frame, face);
    if (this.warnings.length === 0) this.warnings = lm.warnings;
    return this.accept(index, { landmarks: lm.points, layout: lm.layout, rect: rectOf(lm.points, lm.layout) }, lm.landmarks203, true, face);
  }

  private firstFace(faces: Face[], index: number): Face {
    if (!this.leftToRight) return faces[Math.min(this.faceIndex, faces.length - 1)];
    const ordered = facesLeftToRight(faces);
    if (this.faceIndex >= ordered.length && index === 0) {
      throw new OptionError('drivingFace', `Expected --driving-face below ${ordered.length} (faces in the driver's first frame, left to right) but received ${this.faceIndex}`);
    }
    return ordered[Math.min(this.faceIndex, ordered.length - 1)].face;
  }

  private accept(index: number, state: State, landmarks203: Float32Array | undefined, detected: boolean, face?: Face): TrackedFace {
    this.state = state;
    const { box } = parseBboxFromLandmark(state.landmarks, { scale: this.scale, vx: this.vx, vy: this.vy, layout: state.layout });
    return { frame: index, landmarks: state.landmarks, layout: state.layout, landmarks203, box, detected, face };
  }
}

export interface DrivingCrop {
  /** dsize×dsize crop (512 by default). */
  readonly crop512: RgbImage;
  /** The crop resized to 256 with bilinear interpolation, as the original does for driving frames. */
  readonly crop256: RgbImage;
  readonly M_o2c: Matrix3;
  readonly M_c2o: Matrix3;
}

/** Crops a driving frame with a square box (no rotation), as the original's `crop_image_by_bbox`. */
export function cropDrivingFrame(frame: RgbImage, box: Box, dsize = 512): DrivingCrop {
  const t = cropTransformFromBox(box, dsize);
  const crop512 = warpAffine(frame, t.M_o2c, dsize, dsize);
  const size = DEFAULTS.crop.modelInput;
  return { crop512, crop256: resizeBilinear(crop512, size, size), M_o2c: t.M_o2c, M_c2o: t.M_c2o };
}
