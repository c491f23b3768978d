/**
 * LivePortrait for TypeScript — the Node library (`liveportrait-ts`).
 *
 *   import { createEngine, animateFile, packDirectory, ensureModels } from 'liveportrait-ts';
 *
 *   await ensureModels(packDirectory());                 // downloads the default pack on first use
 *   const engine = await createEngine({ models: packDirectory() });
 *   await animateFile(engine, { source: 'portrait.jpg', driving: 'driving.mp4', output: 'out.mp4' });
 *   await engine.release();
 *
 * Frame-level control (the isomorphic core the browser app runs) is `liveportrait-ts/web`; the pure
 * motion and geometry math is `liveportrait-ts/math`.
 */

// Settings and option validation.
export { DEFAULTS, ANIMATION_REGIONS, DRIVING_OPTIONS, DEVICES, DETECTORS, PRECISIONS } from './settings.js';
export type { AnimationRegion, DrivingOption, Device, DetectorKind, Precision } from './settings.js';
export { resolveAnimateOptions, DEFAULT_ANIMATE_OPTIONS } from './pipeline/options.js';
export type { AnimateOptions, AnimateOptionsInput, MotionOptions, CropOptions, OutputOptions } from './pipeline/options.js';
export type { RgbImage } from './image/types.js';

// The engine and the main jobs: animate, edit, template.
export { createEngine, animateFile, extractTemplate, prepareSourceFile } from './pipeline/run.js';
export type { Engine, EngineOptions, AnimateFileRequest, AnimateFileResult, ExtractTemplateRequest } from './pipeline/run.js';
export type { DriverKind } from './pipeline/drivers.js';
export type { JitterFigure } from './pipeline/v2v.js';
export { editFile } from './pipeline/edit.js';
export type { EditFileRequest, EditFileResult } from './pipeline/edit.js';
export { EDIT_RANGES, EDIT_VARIANT_NAMES, COPY_PARTS } from './math/editing.js';
export type { EditControls, EditControlName, EditVariant, CopyParts } from './math/editing.js';
export { prepareFaces, FaceGroup, driverForFace, sideBySide } from './pipeline/faces.js';
export type { PreparedFaces, FaceGroupFrame } from './pipeline/faces.js';
export { prepareFacesFile } from './pipeline/run.js';
export { readTemplate, writeTemplate } from './io/template.js';
export type { MotionTemplate, TemplateFrame } from './io/template.js';
export { readImage, writeImage } from './io/image-file.js';
export { availableDevices } from './runtime/onnx.js';

// Models: where packs live, first-run download, verification, stand-ins, the bundled files.
export { packDirectory, liveportraitHome } from './models/paths.js';
export { ensureModels, offlineFromEnv } from './models/ensure.js';
export type { EnsureModelsOptions } from './models/ensure.js';
export { DEFAULT_PACK, BUILTIN_PACKS } from './models/packs.js';
export type { PackManifest, PackFile, PackKind } from './models/packs.js';
export type { Role } from './models/contract.js';
export { openPackDirectory } from './models/pack-dir.js';
export type { PackDirectory } from './models/pack-dir.js';
export { downloadFile } from './models/download.js';
export type { DownloadOptions, DownloadProgress } from './models/download.js';
export { verifyPack, formatVerifyTable } from './models/verify.js';
export type { FileReport, FileStatus } from './models/verify.js';
export { writeStandinPack } from './models/standin-pack.js';
export { quantizePack, formatQuantizeReport, QUANTIZABLE_ROLES } from './pipeline/quantize.js';
export type { QuantizeRequest, QuantizeReport } from './pipeline/quantize.js';
export { QuantizedVariantError } from './models/quantize.js';
export { assetsDirectory, bundledModel, samplePaths } from './models/bundled.js';

// Errors a caller may want to tell apart.
export { OptionError } from './validate.js';
export { MissingModelsError } from './models/pack-dir.js';
export { DownloadError } from './models/download.js';
export { ModelLoadError, ModelSignatureError } from './models/session.js';
export { DeviceUnavailableError } from './runtime/onnx.js';
export { NoFaceError } from './face/types.js';
export { ImageReadError } from './io/image-file.js';
export { SourceInputError } from './pipeline/run.js';
export { TemplateError } from './io/template-format.js';
