/**
 * Live camera frames through ffmpeg (Node only): v4l2 on Linux, avfoundation on macOS, dshow on Windows.
 * Frames are scaled (aspect kept, overflow cropped) to a fixed size, and a slow consumer gets the newest
 * frame rather than a growing backlog.
 */
import { access } from 'node:fs/promises';
import { DEFAULTS } from '../settings.js';
import { OptionError, expectInteger } from '../validate.js';
import { captureOutput, ffmpegPath } from './ffmpeg.js';
import { parseFrameRate } from './frame-rate.js';
import { readRawFrames, type VideoFrame } from './raw-frames.js';
import { scaleFilter } from './video-reader.js';

export type WebcamSpec =
  | { readonly kind: 'index'; readonly index: number }
  | { readonly kind: 'device'; readonly device: string }
  | { readonly kind: 'name'; readonly name: string };

export class WebcamError extends Error {
  constructor(
    readonly spec: string,
    message: string,
  ) {
    super(message);
    this.name = 'WebcamError';
  }
}

const WEBCAM_PATTERN = /^(?:\d{1,3}|webcam(?::.+)?|\/dev\/video\d+)$/;

/** Whether a driving/source argument names a camera rather than a file: '0', 'webcam', 'webcam:N', 'webcam:NAME', '/dev/videoN'. */
export function isWebcamSpec(text: string): boolean {
  return WEBCAM_PATTERN.test(text.trim());
}

/** Parses '0', 'webcam' (= 0), 'webcam:N', 'webcam:NAME' (macOS/Windows device name) or '/dev/videoN'. */
export function parseWebcamSpec(text: string): WebcamSpec {
  const spec = text.trim();
  if (/^\d{1,3}$/.test(spec)) return { kind: 'index', index: Number(spec) };
  if (spec === 'webcam') return { kind: 'index', index: 0 };
  if (spec.startsWith('webcam:')) {
    const rest = spec.slice('webcam:'.length);
    if (/^\d{1,3}$/.test(rest)) return { kind: 'index', index: Number(rest) };
    if (rest.trim() !== '') return { kind: 'name', name: rest };
  }
  if (/^\/dev\/video\d+$/.test(spec)) return { kind: 'device', device: spec };
  throw new OptionError('webcam', `Expected a camera as 'N', 'webcam:N', 'webcam:NAME' or '/dev/videoN' but received '${text}'`);
}

export interface WebcamInput {
  /** ffmpeg input format. */
  readonly format: 'v4l2' | 'avfoundation' | 'dshow';
  /** ffmpeg's -i argument. */
  readonly input: string;
  /** Human description for errors, e.g. '/dev/video0 (webcam 0)'. */
  readonly label: string;
}

function describeSpec(spec: WebcamSpec): string {
  if (spec.kind === 'index') return `webcam ${spec.index}`;
  if (spec.kind === 'device') return spec.device;
  return `webcam '${spec.name}'`;
}

/**
 * Lists DirectShow video devices from `ffmpeg -list_devices true -f dshow -i dummy` output (stderr).
 * Handles both layouts: `"Name" (video)` lines (ffmpeg ≥ 4.4) and the older section headers.
 */
export function parseDshowDevices(listing: string): string[] {
  const names: string[] = [];
  let section: 'video' | 'audio' | undefined;
  for (const line of listing.split(/\r?\n/)) {
    if (/DirectShow video devices/i.test(line)) section = 'video';
    else if (/DirectShow audio devices/i.test(line)) section = 'audio';
    if (/Alternative name/i.test(line)) continue;
    const m = /\]\s+"([^"]+)"\s*(\((video|audio|none)\))?/.exec(line);
    if (!m) continue;
    const kind = m[3] ?? section;
    if (kind === 'video' && !names.includes(m[1])) names.push(m[1]);
  }
  return names;
}

async function listDshowVideoDevices(): Promise<string[]> {
  const { stderr } = await captureOutput(ffmpegPath(), ['-hide_banner', '-nostdin', '-list_devices', 'true', '-f', 'dshow', '-i', 'dummy']);
  return parseDshowDevices(stderr);
}

/** Maps a camera spec to the ffmpeg input of this platform, checking that the camera exists where that is cheap. */
export async function resolveWebcamInput(spec: WebcamSpec, platform: NodeJS.Platform = process.platform): Promise<WebcamInput> {
  const what = describeSpec(spec);
  if (platform === 'linux') {
    if (spec.kind === 'name') throw new WebcamError(what, `camera names are not supported on Linux: use webcam:N or /dev/videoN instead of ${what}`);
    const device = spec.kind === 'index' ? `/dev/video${spec.index}` : spec.device;
    const label = spec.kind === 'index' ? `${device} (webcam ${spec.index})` : device;
    try {
      await access(device);
    } catch {
      throw new WebcamError(what, `no camera at ${label}`);
    }
    return { format: 'v4l2', input: device, label };
  }
  if (spec.kind === 'device') throw new WebcamError(what, `${spec.device} is a Linux camera path; on ${platform} use webcam:N or webcam:NAME`);
  if (platform === 'darwin') {
    const input = spec.kind === 'index' ? String(spec.index) : spec.name;
    return { format: 'avfoundation', input, label: what };
  }
  if (platform === 'win32') {
    let name: string;
    if (spec.kind === 'index') {
      const devices = await listDshowVideoDevices();
      if (spec.index >= devices.length) {
        const found = devices.length ? `cameras found: ${devices.map((d, i) => `${i} '${d}'`).join(', ')}` : 'no camera found';
        throw new WebcamError(what, `no camera with index ${spec.index} (${found})`);
      }
      name = devices[spec.index];
    } else {
      name = spec.name;
    }
    return { format: 'dshow', input: `video=${name}`, label: what };
  }
  throw new WebcamError(what, `cameras are not supported on ${platform} (supported: Linux v4l2, macOS avfoundation, Windows dshow)`);
}

export interface WebcamOptions {
  /** Size of the yielded frames (default 640x480); the camera image is scaled to cover it and cropped. */
  readonly width?: number;
  readonly height?: number;
  /** Capture rate to request (default 30). Always sent on macOS; on Linux and Windows only when given. */
  readonly fps?: number | string;
  /** Camera mode to request, e.g. { width: 1280, height: 720 }; default: the camera's own. */
  readonly captureSize?: { readonly width: number; readonly height: number };
  readonly maxFrames?: number;
  readonly signal?: AbortSignal;
  /** Default true: a slow consumer gets the newest frame and older ones are dropped (index shows gaps). */
  readonly dropLateFrames?: boolean;
}

/** The ffmpeg arguments that read `input` as rawvideo rgb24 frames of width×height on stdout. */
export function webcamArgs(input: WebcamInput, options: WebcamOptions = {}): string[] {
  const width = options.width ?? DEFAULTS.webcam.width;
  const height = options.height ?? DEFAULTS.webcam.height;
  const args = ['-hide_banner', '-nostdin', '-v', 'error', '-fflags', 'nobuffer', '-f', input.format];
  const fps = options.fps ?? (input.format === 'avfoundation' ? DEFAULTS.webcam.fps : undefined);
  if (fps !== undefined) args.push('-framerate', parseFrameRate('fps', fps).text);
  if (options.captureSize) args.push('-video_size', `${options.captureSize.width}x${options.captureSize.height}`);
  args.push('-i', input.input, '-map', '0:v:0', '-an', '-vf', scaleFilter({ width, height }, 'cover'), '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1');
  return args;
}

/** Reads live frames from a camera ('0', 'webcam:1', '/dev/video2', 'webcam:FaceTime HD Camera'). */
export async function* readWebcamFrames(spec: string | WebcamSpec, options: WebcamOptions = {}): AsyncGenerator<VideoFrame, void, undefined> {
  const parsed = typeof spec === 'string' ? parseWebcamSpec(spec) : spec;
  const width = expectInteger('width', options.width ?? DEFAULTS.webcam.width, 1);
  const height = expectInteger('height', options.height ?? DEFAULTS.webcam.height, 1);
  if (options.maxFrames !== undefined) expectInteger('maxFrames', options.maxFrames, 1);
  const input = await resolveWebcamInput(parsed);
  yield* readRawFrames(webcamArgs(input, options), {
    label: input.label,
    width,
    height,
    maxFrames: options.maxFrames,
    signal: options.signal,
    mode: options.dropLateFrames === false ? 'wait' : 'latest',
  });
}
