import { editedKeypoints, validateEditControls, type EditControls } from '../../src/math/editing.js';
/**
 * The live pipeline, as it runs inside the worker: models loaded once (stand-ins generated in memory, or
 * the user's files), one prepared source per chosen face of the photo, and per driving frame: face
 * tracking → driving crop → motion → one FrameAnimator per face (FaceGroup), every face following the
 * driver. Options that change while frames flow rebuild the animators and keep their reference.
 */
import type { Role } from '../../src/models/contract.js';
import { loadModel, type LoadedModel } from '../../src/models/session.js';
import { assemblePortraitModels } from '../../src/models/wrappers.js';
import { buildStandin } from '../../src/onnx/standins.js';
import { rewriteGridSample5D } from '../../src/onnx/rewrite/gridsample5d.js';
import { FaceCropper, wholeFrameInput } from '../../src/face/cropper.js';
import { DrivingFaceTracker, cropDrivingFrame } from '../../src/face/tracker.js';
import { eyeCloseRatios, lipCloseRatio } from '../../src/math/ratios.js';
import type { MotionInfo } from '../../src/math/keypoints.js';
import { extractMotion, type PortraitModels, type PreparedSource } from '../../src/pipeline/source.js';
import type { DrivingSample } from '../../src/pipeline/animator.js';
import { FaceGroup, prepareFaces, sideBySide } from '../../src/pipeline/faces.js';
import { facesLeftToRight } from '../../src/face/select.js';
import { resolveAnimateOptions, type AnimateOptions } from '../../src/pipeline/options.js';
import { parseTemplate, type MotionTemplate } from '../../src/io/template-format.js';
import type { RgbImage } from '../../src/image/types.js';
import type { Device } from '../../src/settings.js';
import { APP_ROLES, type LiveOptions, type ModelFile } from './protocol.js';

const SPLIT_WARP: readonly Role[] = ['warping', 'spade_generator'];

/**
 * Roles that stay on WASM when the rest runs on WebGPU. They run rarely (the appearance extractor once
 * per source photo; the detector on the first frame, every 30 frames and when the face is lost), so
 * the GPU gains little, and their graphs use what WebGPU handles worst: 3-D convolutions, and Concats
 * wider than WebGPU's default limit of 8 storage buffers per shader stage (SwiftShader enforces it).
 */
const WASM_ROLES: readonly Role[] = ['appearance', 'detector_yunet'];

export interface ModelBytes {
  readonly role: Role;
  readonly name: string;
  readonly bytes: Uint8Array;
}

export function standinModelBytes(): ModelBytes[] {
  return APP_ROLES.map((role) => ({ role, name: `stand-in ${role}`, bytes: buildStandin(role) }));
}

export function filesToModelBytes(files: readonly ModelFile[]): ModelBytes[] {
  return files.map((f) => ({ role: f.role, name: f.name, bytes: new Uint8Array(f.bytes) }));
}

export const DEFAULT_LIVE_OPTIONS: LiveOptions = { relative: true, stitching: true, region: 'all', multiplier: 1, smooth: false, pasteback: false };

export interface FrameOutput {
  readonly crop256?: RgbImage;
  readonly image: RgbImage;
  readonly timings: { motion: number; render: number; total: number };
}

/** The prepared photo as the page shows it: its size, notes, every face found and the ones animated. */
export interface SourceInfo {
  readonly width: number;
  readonly height: number;
  readonly warnings: string[];
  readonly faces: [number, number, number, number][];
  readonly chosen: number[];
}

export class LiveEngine {
  private photo?: { image: RgbImage; label: string; faces: [number, number, number, number][] };
  private sources: readonly PreparedSource[] = [];
  private chosen: number[] = [];
  private animator?: FaceGroup;
  private tracker?: DrivingFaceTracker;
  private template?: MotionTemplate;
  private reference?: DrivingSample;
  private rearmPending = false;
  private options: LiveOptions = DEFAULT_LIVE_OPTIONS;
  private animateOptions: AnimateOptions = resolveAnimateOptions();

  private constructor(
    readonly device: Device,
    readonly models: PortraitModels,
    readonly cropper: FaceCropper,
    readonly loaded: readonly LoadedModel[],
    readonly notices: readonly string[],
  ) {}

  /**
   * Loads the models on `device`. On WebGPU the warping graph's 5-D GridSample nodes are rewritten first
   * (WebGPU implements 4-D GridSample only).
   */
  static async create(files: readonly ModelBytes[], device: Device, onStatus: (text: string) => void): Promise<LiveEngine> {
    const byRole = new Map(files.map((f) => [f.role, f]));
    const missing = (['appearance', 'motion', 'stitching', 'detector_yunet'] as Role[]).filter((r) => !byRole.has(r));
    if (!byRole.has('warping_spade') && !SPLIT_WARP.every((r) => byRole.has(r))) missing.push('warping_spade');
    if (missing.length) throw new Error(`missing models for: ${missing.join(', ')}`);
    const notices: string[] = [];
    const loaded: LoadedModel[] = [];
    const load = async (role: Role): Promise<LoadedModel | undefined> => {
      const file = byRole.get(role);
      if (!file) return undefined;
      let bytes = file.bytes;
      if (device === 'webgpu' && (role === 'warping_spade' || role === 'warping')) {
        onStatus(`rewriting 5-D GridSample in ${file.name} for WebGPU…`);
        // Every GridSample of LivePortrait's warping module samples the 3-D feature volume, so nodes whose
        // rank the file does not state are 5-D too.
        const rewritten = rewriteGridSample5D(bytes, { force: true });
        bytes = rewritten.bytes;
        notices.push(`${file.name}: ${rewritten.replaced} 5-D GridSample node(s) rewritten for WebGPU`);
        for (const s of rewritten.skipped) notices.push(`${file.name}: GridSample ${s.name || s.output} not rewritten (${s.reason})`);
      }
      const roleDevice = WASM_ROLES.includes(role) ? 'wasm' : device;
      onStatus(`loading ${file.name} on ${roleDevice}…`);
      const model = await loadModel(role, { bytes, label: file.name }, { device: roleDevice });
      loaded.push(model);
      return model;
    };
    const portrait = await assemblePortraitModels(load);
    const detector = (await load('detector_yunet'))!;
    const landmark203 = await load('landmark203');
    if (!landmark203) notices.push('no 203-point landmark model: faces are detected on every frame and eye/lip retargeting is off');
    const cropper = FaceCropper.fromModels('yunet', { detector, landmark203 });
    const models: PortraitModels = portrait;
    return new LiveEngine(device, models, cropper, loaded, notices);
  }

  get standinRoles(): Role[] {
    return this.loaded.filter((m) => m.standin).map((m) => m.role);
  }

  /** A new photo: its largest face is animated until `setFaces` chooses others. */
  async setSource(image: RgbImage, label: string): Promise<SourceInfo> {
    const prepared = await prepareFaces(image, this.models, this.cropper, { crop: this.animateOptions.crop, normalizeLip: false, pasteback: true, label });
    const limited = prepared.sources[0].image;
    const found = facesLeftToRight(await this.cropper.detectFaces(limited));
    const largest = prepared.sources[0].crop?.face;
    this.photo = { image, label, faces: found.map((f) => [...f.face.box] as [number, number, number, number]) };
    this.chosen = [Math.max(0, found.findIndex((f) => largest && f.face.box.every((v, i) => v === largest.box[i])))];
    return this.useSources(prepared.sources, prepared.warnings);
  }

  /** Animates these faces of the photo (left-to-right indices), each following the driver. */
  async setFaces(indices: number[]): Promise<SourceInfo> {
    if (!this.photo) throw new Error('choose a source photo first');
    const crop = { ...this.animateOptions.crop, faces: indices, minFace: 1 };
    const prepared = await prepareFaces(this.photo.image, this.models, this.cropper, { crop, normalizeLip: false, pasteback: true, label: this.photo.label });
    this.chosen = [...prepared.indices];
    return this.useSources(prepared.sources, prepared.warnings);
  }

  private useSources(sources: readonly PreparedSource[], warnings: readonly string[]): SourceInfo {
    this.sources = sources;
    this.reference = undefined;
    this.rebuildAnimator();
    const image = sources[0].image;
    return { width: image.width, height: image.height, warnings: [...warnings], faces: this.photo?.faces ?? [], chosen: [...this.chosen] };
  }

  setOptions(options: LiveOptions): void {
    this.options = options;
    this.animateOptions = resolveAnimateOptions({
      motion: { relative: options.relative, stitching: options.stitching, region: options.region, multiplier: options.multiplier, smooth: options.smooth },
      crop: { drivingBox: 'per-frame' },
    });
    this.rebuildAnimator();
  }

  /** The next driving frame becomes the relative-motion reference. */
  rearm(): void {
    this.rearmPending = true;
  }

  setTemplate(text: string, label: string): MotionTemplate {
    this.template = parseTemplate(JSON.parse(text) as unknown, label);
    this.reference = undefined;
    this.rebuildAnimator();
    return this.template;
  }

  private rebuildAnimator(): void {
    const sources = this.sources;
    if (sources.length === 0) return;
    this.animator = new FaceGroup(sources, this.models, (k) => ({
      motion: this.animateOptions.motion,
      pasteback: this.options.pasteback,
      keypointOffset: editOffset(sources[k], this.options.edit),
    }));
    const reference = this.reference;
    if (reference) sources.forEach((_, k) => this.animator!.setReference(k, reference));
  }

  /** One camera or video frame. */
  async frame(index: number, image: RgbImage): Promise<FrameOutput> {
    const start = performance.now();
    this.tracker ??= new DrivingFaceTracker(this.cropper, {
      scale: this.animateOptions.crop.drivingScale,
      vx: this.animateOptions.crop.drivingVx,
      vy: this.animateOptions.crop.drivingVy,
    });
    const tracked = await this.tracker.track(image);
    const crop256 = tracked ? cropDrivingFrame(image, tracked.box).crop256 : wholeFrameInput(image);
    const motion: MotionInfo = await extractMotion(this.models, crop256);
    const lmk = tracked?.landmarks203;
    const sample: DrivingSample = { index, motion, crop256, eyeRatios: lmk ? eyeCloseRatios(lmk) : undefined, lipRatio: lmk ? lipCloseRatio(lmk) : undefined };
    const afterMotion = performance.now();
    return this.render(sample, start, afterMotion);
  }

  /** One frame of the loaded motion template. */
  async templateFrame(index: number): Promise<FrameOutput> {
    const start = performance.now();
    if (!this.template) throw new Error('no motion template loaded');
    const frames = this.template.frames;
    const f = frames[index % frames.length];
    const motion: MotionInfo = { pitch: f.pitch ?? 0, yaw: f.yaw ?? 0, roll: f.roll ?? 0, R: f.R, exp: f.exp, scale: f.scale, t: f.t, kp: f.kp ?? new Float32Array(63) };
    const i = index % frames.length;
    const eyes = this.template.eyeRatios?.[i];
    const sample: DrivingSample = { index, motion, eyeRatios: eyes ? [...eyes] : undefined, lipRatio: this.template.lipRatios?.[i] };
    return this.render(sample, start, performance.now());
  }

  private async render(sample: DrivingSample, start: number, afterMotion: number): Promise<FrameOutput> {
    const animator = this.animator;
    if (!animator) throw new Error('choose a source photo first');
    if (!this.reference || this.rearmPending) {
      this.reference = sample;
      this.rearmPending = false;
      this.sources.forEach((_, k) => animator.setReference(k, sample));
    }
    // The one driver moves every chosen face.
    const out = await animator.animate(this.sources.map(() => sample));
    const end = performance.now();
    return {
      crop256: sample.crop256,
      image: (this.options.pasteback && out.pasted) || (out.renders.length > 1 ? sideBySide(out.renders) : out.render),
      timings: { motion: afterMotion - start, render: end - afterMotion, total: end - start },
    };
  }

  get warnings(): string[] {
    const drained = (this.animator?.animators ?? []).flatMap((a) => a.warnings.splice(0, a.warnings.length));
    return [...new Set(drained)];
  }

  async release(): Promise<void> {
    await Promise.all(this.loaded.map((m) => m.session.release?.()));
  }
}

/** The keypoint change the expression sliders ask for (undefined when every slider is at zero). */
function editOffset(source: PreparedSource, edit: EditControls | undefined): Float32Array | undefined {
  if (!edit || Object.values(edit).every((v) => !v)) return undefined;
  const edited = editedKeypoints(source.motion, validateEditControls(edit));
  const offset = new Float32Array(edited.length);
  for (let i = 0; i < offset.length; i++) offset[i] = edited[i] - source.keypoints[i];
  return offset;
}
