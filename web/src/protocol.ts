import type { EditControls } from '../../src/math/editing.js';
/** Messages between the page and the pipeline worker. Images travel as ImageBitmap (in) and ImageData (out). */
import type { Role } from '../../src/models/contract.js';
import type { AnimationRegion } from '../../src/settings.js';

/** The settings the page can change while frames are flowing. */
export interface LiveOptions {
  readonly relative: boolean;
  readonly stitching: boolean;
  readonly region: AnimationRegion;
  readonly multiplier: number;
  readonly smooth: boolean;
  /** Show the render pasted back into the photo instead of the 512 crop. */
  readonly pasteback: boolean;
  /** Expression sliders (the `edit` command's controls), applied on top of the live motion. */
  readonly edit?: EditControls;
}

/** Roles the live app loads (the fused warping layout; the split pair is accepted from files too). */
export const APP_ROLES: readonly Role[] = ['appearance', 'motion', 'warping_spade', 'stitching', 'detector_yunet', 'landmark203', 'retarget_eye', 'retarget_lip'];

export interface ModelFile {
  readonly role: Role;
  readonly name: string;
  readonly bytes: ArrayBuffer;
}

export type DevicePreference = 'auto' | 'wasm';

export type ToWorker =
  /** Stand-ins may take real files for some roles (e.g. the real face detector picked in the model folder). */
  | { type: 'init'; models: { kind: 'standin'; real?: ModelFile[] } | { kind: 'files'; files: ModelFile[] }; device: DevicePreference }
  | { type: 'source'; image: ImageBitmap; name: string }
  /** Animate these faces of the source photo (left-to-right indices of `source-ready`'s faces). */
  | { type: 'faces'; indices: number[] }
  | { type: 'frame'; id: number; image: ImageBitmap }
  | { type: 'template'; text: string; name: string }
  | { type: 'template-frame'; id: number; index: number }
  | { type: 'options'; options: LiveOptions }
  | { type: 'rearm' }
  | { type: 'probe-webgpu' };

export interface FrameTimings {
  readonly motion: number;
  readonly render: number;
  readonly total: number;
}

export interface WebGpuProbe {
  /** Why the probe could not run (no navigator.gpu, no adapter). */
  readonly skipped?: string;
  readonly adapter?: string;
  readonly loaded?: boolean;
  readonly replaced?: number;
  /** 5-D GridSample nodes left in the rewritten graph (must be 0). */
  readonly gridSample5dLeft?: number;
  readonly outputDims?: readonly number[];
  readonly ms?: number;
  readonly error?: string;
}

export type FromWorker =
  | { type: 'status'; text: string }
  | { type: 'ready'; device: 'webgpu' | 'wasm'; threads: number; standinRoles: Role[]; notices: string[] }
  | {
      type: 'source-ready';
      width: number;
      height: number;
      warnings: string[];
      /** Every face found, left to right, as [x1, y1, x2, y2] in the prepared photo, and those animated. */
      faces: [number, number, number, number][];
      chosen: number[];
    }
  | { type: 'template-ready'; frames: number; fps: number }
  | { type: 'frame-done'; id: number; crop?: ImageData; result: ImageData; timings: FrameTimings; warnings: string[] }
  | { type: 'probe-result'; probe: WebGpuProbe }
  | { type: 'error'; message: string; id?: number };
