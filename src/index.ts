/**
 * LivePortrait for TypeScript — the library API.
 *
 *   const engine = await createEngine({ models: packDirectory() });
 *   await animateFile(engine, { source: 'portrait.jpg', driving: 'driving.mp4', output: 'out.mp4' });
 *
 * For frame-level control: `prepareSource` once per portrait, then a `FrameAnimator` per driving run.
 */
export { DEFAULTS, ANIMATION_REGIONS, DRIVING_OPTIONS, DEVICES, DETECTORS, PRECISIONS } from './settings.js';
export type { AnimationRegion, DrivingOption, Device, DetectorKind, CropSettings, Precision } from './settings.js';
export { OptionError } from './validate.js';
export type { RgbImage, GrayFloatImage } from './image/types.js';
export { createRgbImage } from './image/types.js';

// The frame pipeline.
export { resolveAnimateOptions, DEFAULT_ANIMATE_OPTIONS } from './pipeline/options.js';
export type { AnimateOptions, AnimateOptionsInput, MotionOptions, CropOptions, OutputOptions } from './pipeline/options.js';
export { prepareSource, extractMotion } from './pipeline/source.js';
export type { PreparedSource, PortraitModels, PrepareSourceOptions } from './pipeline/source.js';
export { FrameAnimator, concatFrame, comparisonTile } from './pipeline/animator.js';
export type { DrivingSample, AnimatedFrame, AnimatorOptions } from './pipeline/animator.js';
export { openDriver, videoDriver, webcamDriver, imageDriver, templateDriver } from './pipeline/drivers.js';
export type { Driver, DriverKind, DriverContext } from './pipeline/drivers.js';
export { createEngine, animateFile, extractTemplate, prepareSourceFile } from './pipeline/run.js';
export type { Engine, EngineOptions, AnimateFileRequest, AnimateFileResult, ExtractTemplateRequest } from './pipeline/run.js';
export { editKeypoints } from './pipeline/edit-keypoints.js';
export type { EditOptions, EditSample } from './pipeline/edit-keypoints.js';
export { editFile } from './pipeline/edit.js';
export type { EditFileRequest, EditFileResult } from './pipeline/edit.js';
export { animateVideoToVideo, meanFrameChange } from './pipeline/v2v.js';
export { prepareFaces, FaceGroup, driverForFace, sideBySide } from './pipeline/faces.js';
export type { PreparedFaces, FaceGroupFrame } from './pipeline/faces.js';
export { zipDrivers } from './pipeline/driver-set.js';
export { prepareFacesFile } from './pipeline/run.js';
export type { VideoToVideoRequest, VideoToVideoResult, JitterFigure } from './pipeline/v2v.js';

// Models and packs.
export { ROLES, CONTRACTS, checkSignature } from './models/contract.js';
export type { Role, RoleContract, TensorSpec } from './models/contract.js';
export { DEFAULT_PACK, BUILTIN_PACKS } from './models/packs.js';
export type { PackManifest, PackFile } from './models/packs.js';
export { packDirectory, liveportraitHome } from './models/paths.js';
export { openPackDirectory, MissingModelsError } from './models/pack-dir.js';
export { verifyPack, formatVerifyTable } from './models/verify.js';
export { downloadFile, DownloadError } from './models/download.js';
export { loadModel, ModelLoadError, ModelSignatureError } from './models/session.js';
export { loadModelSet, standinWarning, precisionNotice, resolveInt8Variant } from './models/model-set.js';
export { calibrateModel, buildQuantized, checkQuantizedVariant, int8FileName, QuantizedVariantError } from './models/quantize.js';
export { planQuantization, insertQdq, keepInFp32, QUANTIZED_METADATA } from './onnx/quantize/qdq.js';
export type { QuantizationPlan, QuantizationTarget, KeptNode } from './onnx/quantize/qdq.js';
export { RangeCollector, RANGE_METHODS } from './onnx/quantize/ranges.js';
export type { RangeMethod, TensorRange } from './onnx/quantize/ranges.js';
export { quantizePack, formatQuantizeReport, QUANTIZABLE_ROLES, QUANTIZE_REPORT_FILE } from './pipeline/quantize.js';
export type { QuantizeRequest, QuantizeReport, RoleReport, QuantizableRole } from './pipeline/quantize.js';
export { psnr, relativeL2 } from './math/compare.js';
export type { ModelSet } from './models/model-set.js';
export { writeStandinPack } from './models/standin-pack.js';
export { buildStandin, standinFileName, STANDIN_ROLES } from './onnx/standins.js';
export { rewriteGridSample5D, listGridSampleNodes } from './onnx/rewrite/gridsample5d.js';
export { setOrt, createSession, availableDevices, DeviceUnavailableError } from './runtime/onnx.js';

// Faces.
export { FaceCropper, wholeFrameInput } from './face/cropper.js';
export { DrivingFaceTracker } from './face/tracker.js';
export { selectFaces, facesLeftToRight, parseFaceSelection, describeFace } from './face/select.js';
export type { FaceSelection, IndexedFace, FaceChoice } from './face/select.js';
export { SourceFaceTracks } from './face/source-tracks.js';
export { NoFaceError } from './face/types.js';
export type { Face, FaceDetector } from './face/types.js';

// Files.
export { readImage, writeImage, ImageReadError } from './io/image-file.js';
export { readTemplate, writeTemplate } from './io/template.js';
export type { MotionTemplate, TemplateFrame } from './io/template.js';

// The pure math.
export * from './math/index.js';
