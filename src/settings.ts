/**
 * Every default of the project, in one place. Values follow the original LivePortrait inference
 * configuration unless a comment says otherwise (see ../shared/design/liveportrait.md).
 */

export const ANIMATION_REGIONS = ['all', 'exp', 'pose', 'lip', 'eyes'] as const;
export type AnimationRegion = (typeof ANIMATION_REGIONS)[number];

export const DRIVING_OPTIONS = ['expression-friendly', 'pose-friendly'] as const;
export type DrivingOption = (typeof DRIVING_OPTIONS)[number];

export const DEVICES = ['cpu', 'cuda', 'webgpu', 'wasm'] as const;
export type Device = (typeof DEVICES)[number];

/** Numeric precision of the heavy models: int8 uses the quantized variants (`liveportrait models quantize`) where a pack has them. */
export const PRECISIONS = ['fp32', 'int8'] as const;
export type Precision = (typeof PRECISIONS)[number];

export const DETECTORS = ['yunet', 'insightface', 'facemesh'] as const;
export type DetectorKind = (typeof DETECTORS)[number];

export interface CropSettings {
  /** Side of the square crop relative to the landmark box. */
  readonly scale: number;
  /** Horizontal shift of the crop centre, as a fraction of the crop side. */
  readonly vx: number;
  /** Vertical shift of the crop centre, as a fraction of the crop side (negative = up). */
  readonly vy: number;
  /** Output size in pixels. */
  readonly dsize: number;
}

export const DEFAULTS = {
  runtime: {
    device: 'cpu' as Device,
    /** 0 = one intra-op thread per core present (see `defaultIntraOpThreads`). */
    threads: 0,
    precision: 'fp32' as Precision,
    /**
     * Intra-op threads are bounded by this many per core present (more only thrashes: 1000 threads
     * start ~8000 OS threads, 100000 exhaust memory); above one per core a warning is printed.
     */
    maxThreadsPerCore: 4,
  },
  download: {
    /** A server that sends nothing for this long is given up (milliseconds). */
    idleTimeoutMs: 30_000,
  },
  quantize: {
    /** Roles `models quantize` writes int8 variants for, and the only ones `--precision int8` swaps. */
    roles: ['warping_spade', 'motion', 'appearance'] as const,
    /** Driving frames used for calibration and the quality report (every 4th is held out for the report). */
    frames: 64,
    heldOutEvery: 4,
    /**
     * Layers kept fp32 per role by default (besides the last layers and the rules below). None: every
     * conv/matmul is measured by the quality report, and `--sensitivity` keeps the costly ones.
     */
    keepFp32: { warping_spade: [], motion: [], appearance: [] } as Readonly<Record<string, readonly string[]>>,
    /**
     * 3-D convs are rewritten as 2-D convs over depth slices before quantizing (same fp32 result).
     * Profiled on the forged W+G: onnxruntime's int8 3-D conv ran the 7×7×7 conv of the dense-motion
     * head ~27× slower than its fp32 one, its int8 2-D conv runs ~4× faster than fp32 (VNNI).
     */
    conv3dAs2d: true,
    /**
     * Convs with fewer output channels stay fp32: the occlusion conv of W+G (2272 → 1 channel, 7×7)
     * took 1417 ms in int8 against ~70 ms in fp32 (its int8 kernel computes 16 output channels at a time).
     */
    minConvOutputChannels: 16,
  },
  source: {
    /** resize_to_limit: the long side of a source image is limited to this (even sizes kept). */
    maxDim: 1280,
    division: 2,
    /** Images larger than this many pixels are refused before decoding (sharp's own limit, 16383 × 16383). */
    maxInputPixels: 268402689,
  },
  crop: {
    /** Source image crop (crop_cfg: scale 2.3, vy −0.125, dsize 512). */
    source: { scale: 2.3, vx: 0, vy: -0.125, dsize: 512 } satisfies CropSettings,
    /** Driving video auto-crop (scale 2.2, vy −0.1). */
    driving: { scale: 2.2, vx: 0, vy: -0.1, dsize: 512 } satisfies CropSettings,
    /** 203-point landmark runner crop. */
    landmark: { scale: 1.5, vx: 0, vy: -0.1, dsize: 224 } satisfies CropSettings,
    /** Model input side for F and M. */
    modelInput: 256,
  },
  detector: {
    kind: 'yunet' as DetectorKind,
    /** YuNet's own default (OpenCV zoo). */
    yunetScoreThreshold: 0.6,
    /** Official CLI threshold for SCRFD. */
    scrfdScoreThreshold: 0.15,
    nmsIou: 0.4,
    faceIndex: 0,
  },
  faces: {
    /** Which faces of the source to animate: 'largest' (the original's behaviour), 'all', or left-to-right indices. */
    selection: 'largest' as const,
    /** With several faces, faces whose box side is under this (pixels) are skipped with a warning. */
    minFace: 64,
  },
  motion: {
    relative: true,
    region: 'all' as AnimationRegion,
    stitching: true,
    eyeRetargeting: false,
    lipRetargeting: false,
    normalizeLip: false,
    /** Source lip ratio above which normalise-lip closes the mouth. */
    normalizeLipThreshold: 0.03,
    drivingOption: 'expression-friendly' as DrivingOption,
    multiplier: 1,
    /** Video-to-video eye retargeting: the first source frame's mean eye-open ratio, replaced by `target` when under `threshold`. */
    sourceVideoEyeRetargeting: { threshold: 0.18, target: 0.39 },
  },
  smoothing: {
    /** One-euro filter for live input (FasterLivePortrait's parameters). */
    oneEuro: { minCutoff: 4, beta: 0.3, dCutoff: 1, freq: 30 },
    /** Offline Kalman (RTS) smoother for video-to-video. */
    kalman: { observationVariance: 3e-7, transitionCovariance: 1e-5 },
  },
  output: {
    codec: 'libx264',
    pixelFormat: 'yuv420p',
    crf: 18,
    /** Frame rate used when the driver has none (single image, template without fps). */
    fallbackFps: 25,
    /** Highest frame rate accepted anywhere (writers, templates). */
    maxFps: 1000,
  },
  webcam: {
    /** Frames are scaled (aspect kept, overflow cropped) to this size whatever the camera delivers. */
    width: 640,
    height: 480,
    /** Capture rate requested from the camera (avfoundation rejects its own 29.97 default on many Macs). */
    fps: 30,
  },
} as const;

export type Defaults = typeof DEFAULTS;
