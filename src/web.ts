/**
 * `liveportrait-ts/web` — the isomorphic core, for browsers (and for frame-level control in Node).
 * Nothing here touches the file system or starts processes. Inject the runtime first:
 *
 *   import * as ort from 'onnxruntime-web';
 *   import { setOrt, loadModel, assemblePortraitModels, FaceCropper, prepareSource, FrameAnimator } from 'liveportrait-ts/web';
 *   setOrt(ort);
 *
 * then load each role's model from bytes (`loadModel(role, { bytes, label })`), `prepareSource` once
 * per portrait and a `FrameAnimator` per driving run. `onnxruntime-web` is an optional peer dependency
 * of the package: install it next to it for this entry point.
 */
export { setOrt, createSession, availableDevices, DeviceUnavailableError } from './runtime/onnx.js';
export type { OrtModule, SessionOptions, InferenceSession, Tensor } from './runtime/onnx.js';
export { DEFAULTS, ANIMATION_REGIONS, DRIVING_OPTIONS, DEVICES, DETECTORS } from './settings.js';
export type { AnimationRegion, DrivingOption, Device, DetectorKind, CropSettings } from './settings.js';
export { OptionError } from './validate.js';
export { createRgbImage } from './image/types.js';
export type { RgbImage } from './image/types.js';

// Models from bytes, one wrapper per role.
export { ROLES, CONTRACTS } from './models/contract.js';
export type { Role } from './models/contract.js';
export { DEFAULT_PACK } from './models/packs.js';
export type { PackManifest, PackFile } from './models/packs.js';
export { loadModel, ModelLoadError, ModelSignatureError } from './models/session.js';
export type { LoadedModel } from './models/session.js';
export { assemblePortraitModels, AppearanceExtractor, MotionExtractor, WarpGenerator, StitchingModels } from './models/wrappers.js';
export { buildStandin, STANDIN_ROLES } from './onnx/standins.js';
export { rewriteGridSample5D } from './onnx/rewrite/gridsample5d.js';

// Faces.
export { FaceCropper, wholeFrameInput } from './face/cropper.js';
export { DrivingFaceTracker, cropDrivingFrame } from './face/tracker.js';
export { NoFaceError } from './face/types.js';
export type { Face, FaceDetector } from './face/types.js';

// The frame pipeline.
export { resolveAnimateOptions, DEFAULT_ANIMATE_OPTIONS } from './pipeline/options.js';
export type { AnimateOptions, AnimateOptionsInput, MotionOptions, CropOptions, OutputOptions } from './pipeline/options.js';
export { prepareSource, extractMotion } from './pipeline/source.js';
export type { PreparedSource, PortraitModels, PrepareSourceOptions } from './pipeline/source.js';
export { FrameAnimator, concatFrame, comparisonTile } from './pipeline/animator.js';
export type { DrivingSample, AnimatedFrame, AnimatorOptions } from './pipeline/animator.js';
export { editKeypoints } from './pipeline/edit-keypoints.js';
export type { EditOptions, EditSample } from './pipeline/edit-keypoints.js';
export { EDIT_RANGES, EDIT_VARIANT_NAMES, validateEditControls } from './math/editing.js';
export type { EditControls, EditControlName, EditVariant } from './math/editing.js';

// Motion templates (parsed from JSON already read).
export { parseTemplate, serializeTemplate, TemplateError } from './io/template-format.js';
export type { MotionTemplate, TemplateFrame } from './io/template-format.js';
