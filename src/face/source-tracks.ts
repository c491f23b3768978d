/**
 * Several faces followed through a source video (multi-face video-to-video). Frame 0 is detected and
 * the faces are chosen (`largest`, `all` or left-to-right indices, see select.ts); on every later frame
 * the detector runs and each followed face takes the nearest unclaimed detection whose centre moved by
 * less than `maxMove` of the face size. A face with no such detection is absent for that frame (it left
 * the picture or is hidden) and is picked up again when a detection returns near where it was last seen.
 */
import type { RgbImage } from '../image/types.js';
import type { FaceCropper } from './cropper.js';
import { boxCenter, boxHeight, boxWidth, NoFaceError, type Face } from './types.js';
import { selectFaces, type FaceSelection } from './select.js';

export interface SourceFaceTrackOptions {
  readonly minFace?: number;
  /** File name for messages. */
  readonly label?: string;
  /** Largest centre movement from one seen frame to the next, relative to the face size (default 0.5). */
  readonly maxMove?: number;
}

export class SourceFaceTracks {
  private last: Face[] = [];
  /** Left-to-right indices (in frame 0) of the faces followed. */
  indices: number[] = [];
  /** Notes from the choice in frame 0 (small faces skipped). */
  warnings: readonly string[] = [];

  constructor(
    private readonly cropper: Pick<FaceCropper, 'detectFaces'>,
    private readonly selection: FaceSelection,
    private readonly options: SourceFaceTrackOptions = {},
  ) {}

  /** How many faces are followed (known after the first frame). */
  get count(): number {
    return this.last.length;
  }

  /** The followed faces in this frame, in their frame-0 order; undefined where a face is absent. */
  async next(image: RgbImage, frame: number): Promise<(Face | undefined)[]> {
    const found = await this.cropper.detectFaces(image);
    if (this.last.length === 0) {
      if (found.length === 0) throw new NoFaceError(this.options.label ?? 'the video', frame);
      const choice = selectFaces(found, this.selection, { minFace: this.options.minFace, label: `frame ${frame} of ${this.options.label ?? 'the video'}` });
      this.last = choice.faces.map((f) => f.face);
      this.indices = choice.faces.map((f) => f.index);
      this.warnings = choice.warnings;
      return [...this.last];
    }
    const maxMove = this.options.maxMove ?? 0.5;
    // Greedy matching, closest pairs first, so two faces never claim the same detection.
    const pairs: { k: number; j: number; d: number }[] = [];
    this.last.forEach((face, k) => {
      const [cx, cy] = boxCenter(face.box);
      const size = Math.max(boxWidth(face.box), boxHeight(face.box));
      found.forEach((f, j) => {
        const [x, y] = boxCenter(f.box);
        const d = Math.hypot(x - cx, y - cy);
        if (d <= maxMove * size) pairs.push({ k, j, d });
      });
    });
    pairs.sort((a, b) => a.d - b.d);
    const out: (Face | undefined)[] = this.last.map(() => undefined);
    const taken = new Set<number>();
    for (const { k, j } of pairs) {
      if (out[k] || taken.has(j)) continue;
      out[k] = found[j];
      taken.add(j);
    }
    out.forEach((f, k) => {
      if (f) this.last[k] = f;
    });
    return out;
  }
}
