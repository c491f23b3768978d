/**
 * What a media file holds, from ffprobe's JSON (Node only): display size, frame rate, frame count, audio.
 */
import { stat } from 'node:fs/promises';
import { DEFAULTS } from '../settings.js';
import { PLAYLIST_FORMATS, assertNotPlaylist, captureOutput, describeExit, ffprobePath, mediaFileArg, mediaInputArgs } from './ffmpeg.js';

export interface MediaInfo {
  readonly path: string;
  /** ffprobe's format_name, e.g. 'mov,mp4,m4a,3gp,3g2,mj2' or 'image2'. */
  readonly formatName: string;
  /** Display size: the coded size with width and height swapped for a 90°/270° rotation. */
  readonly width: number;
  readonly height: number;
  readonly codedWidth: number;
  readonly codedHeight: number;
  /** Display rotation from the stream's display matrix (or legacy `rotate` tag): 0, 90, 180 or 270. */
  readonly rotation: number;
  /** Average frame rate (avg_frame_rate; r_frame_rate when that is unknown; 25 when both are). */
  readonly fps: number;
  /** The same rate as ffprobe's exact rational, e.g. '30000/1001'; pass this to writers to avoid drift. */
  readonly fpsRational: string;
  readonly frameCount: number;
  /** Where frameCount came from: the container's count, a packet count, or duration × fps. */
  readonly frameCountSource: 'nb_frames' | 'packets' | 'duration' | 'image';
  /** Seconds; NaN when neither the stream nor the container states it. */
  readonly duration: number;
  readonly hasAudio: boolean;
  readonly audioCodec?: string;
  readonly videoCodec: string;
  readonly pixelFormat: string;
  /** A single still image (jpg, png, webp, bmp, tiff…) rather than a video. */
  readonly isImage: boolean;
}

export class MediaNotFoundError extends Error {
  constructor(readonly path: string) {
    super(`file not found: ${path}`);
    this.name = 'MediaNotFoundError';
  }
}

export class MediaReadError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${path} is not a readable video (${reason})`);
    this.name = 'MediaReadError';
  }
}

interface ProbeStream {
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
  pix_fmt?: string;
  avg_frame_rate?: string;
  r_frame_rate?: string;
  nb_frames?: string;
  duration?: string;
  tags?: Record<string, string>;
  side_data_list?: { rotation?: number }[];
  disposition?: Record<string, number>;
}

interface ProbeOutput {
  streams?: ProbeStream[];
  format?: { format_name?: string; duration?: string };
}

const IMAGE_CODECS = new Set(['mjpeg', 'png', 'webp', 'bmp', 'tiff', 'jpeg2000', 'jpegls', 'ppm', 'pgm', 'pam', 'qoi', 'targa', 'sgi', 'pcx', 'xbm', 'xwd', 'dpx', 'exr', 'hdr', 'photocd', 'jpegxl', 'avif']);

/** Parses 'num/den' (or a plain number); NaN when the rate is unknown ('0/0'). */
export function parseRational(text: string | undefined): number {
  if (!text) return NaN;
  const [n, d = '1'] = text.split('/');
  const value = Number(n) / Number(d);
  return Number.isFinite(value) && value > 0 ? value : NaN;
}

/** Normalises a rotation in degrees to 0, 90, 180 or 270. */
function normaliseRotation(deg: number): number {
  const r = Math.round(deg / 90) * 90;
  return ((r % 360) + 360) % 360;
}

function streamRotation(stream: ProbeStream): number {
  for (const side of stream.side_data_list ?? []) {
    if (typeof side.rotation === 'number') return normaliseRotation(side.rotation);
  }
  const tag = Number(stream.tags?.rotate);
  return Number.isFinite(tag) ? normaliseRotation(tag) : 0;
}

function firstLine(text: string, path: string): string {
  const line = text.split('\n').find((l) => l.trim() !== '') ?? '';
  // ffprobe prefixes its message with the path it was given; the error already names it.
  const given = mediaFileArg(path);
  return line.startsWith(`${given}: `) ? line.slice(given.length + 2) : line;
}

async function countPackets(path: string): Promise<number> {
  const { stdout, exit } = await captureOutput(ffprobePath(), ['-v', 'error', '-select_streams', 'v:0', '-count_packets', '-show_entries', 'stream=nb_read_packets', '-of', 'csv=p=0', ...mediaInputArgs(path)]);
  const n = Number.parseInt(stdout.trim(), 10);
  return exit.code === 0 && Number.isFinite(n) ? n : NaN;
}

/** Whether a file (video or audio-only) has an audio stream; used to decide whether to mux its audio. */
export async function probeHasAudio(path: string): Promise<boolean> {
  assertNotPlaylist(path);
  try {
    await stat(path);
  } catch {
    throw new MediaNotFoundError(path);
  }
  const { stdout, stderr, exit } = await captureOutput(ffprobePath(), ['-v', 'error', '-select_streams', 'a', '-show_entries', 'stream=codec_type', '-of', 'csv=p=0', ...mediaInputArgs(path)]);
  if (exit.code !== 0) throw new MediaReadError(path, `ffprobe: ${firstLine(stderr, path) || describeExit(exit)}`);
  return stdout.includes('audio');
}

export interface ProbeOptions {
  /**
   * When the container does not store a frame count (mkv, webm, some streams), demux the file once and
   * count packets (fast, no decoding). Default true; false estimates from duration × fps.
   */
  countPackets?: boolean;
}

/** Probes a video or image file with ffprobe. */
export async function probeMedia(path: string, options: ProbeOptions = {}): Promise<MediaInfo> {
  assertNotPlaylist(path);
  try {
    const st = await stat(path);
    if (st.isDirectory()) throw new MediaReadError(path, 'it is a directory');
    // ffprobe would wait forever on a FIFO or read a device without end.
    if (!st.isFile()) throw new MediaReadError(path, 'it is not a regular file (a FIFO, socket or device)');
  } catch (err) {
    if (err instanceof MediaReadError) throw err;
    throw new MediaNotFoundError(path);
  }
  const { stdout, stderr, exit } = await captureOutput(ffprobePath(), ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', ...mediaInputArgs(path)]);
  if (exit.code !== 0) throw new MediaReadError(path, `ffprobe: ${firstLine(stderr, path) || describeExit(exit)}`);
  let parsed: ProbeOutput;
  try {
    parsed = JSON.parse(stdout) as ProbeOutput;
  } catch {
    throw new MediaReadError(path, 'ffprobe printed no readable description');
  }
  const streams = parsed.streams ?? [];
  const formatName = parsed.format?.format_name ?? '';
  if (formatName.split(',').some((f) => PLAYLIST_FORMATS.has(f))) {
    throw new MediaReadError(path, `it is a playlist (${formatName}), which would make ffmpeg read other files: give the media file itself`);
  }
  // Cover art inside audio files shows up as a video stream with the attached_pic disposition.
  const video = streams.find((s) => s.codec_type === 'video' && s.disposition?.attached_pic !== 1);
  if (!video || formatName === 'tty' || video.codec_name === 'ansi') {
    const kinds = streams.map((s) => s.codec_type ?? '?').join(', ');
    throw new MediaReadError(path, kinds ? `ffprobe: no video stream, only ${kinds}` : 'ffprobe: no video stream');
  }
  const codedWidth = video.width ?? 0;
  const codedHeight = video.height ?? 0;
  if (!(codedWidth > 0 && codedHeight > 0)) throw new MediaReadError(path, 'ffprobe: the video stream has no frame size');
  const rotation = streamRotation(video);
  const swap = rotation === 90 || rotation === 270;

  let fpsRational = video.avg_frame_rate ?? '';
  let fps = parseRational(fpsRational);
  if (!Number.isFinite(fps)) {
    fpsRational = video.r_frame_rate ?? '';
    fps = parseRational(fpsRational);
  }
  if (!Number.isFinite(fps)) {
    fps = DEFAULTS.output.fallbackFps;
    fpsRational = `${fps}/1`;
  }

  const duration = Number.parseFloat(video.duration ?? parsed.format?.duration ?? '');
  const imageFormat = formatName === 'image2' || formatName.endsWith('_pipe');
  const audio = streams.find((s) => s.codec_type === 'audio');

  let frameCount = Number.parseInt(video.nb_frames ?? '', 10);
  let frameCountSource: MediaInfo['frameCountSource'] = 'nb_frames';
  if (!(frameCount > 0) && imageFormat) {
    frameCount = 1;
    frameCountSource = 'image';
  }
  if (!(frameCount > 0) && options.countPackets !== false) {
    frameCount = await countPackets(path);
    frameCountSource = 'packets';
  }
  if (!(frameCount > 0)) {
    frameCount = Number.isFinite(duration) ? Math.max(1, Math.round(duration * fps)) : 0;
    frameCountSource = 'duration';
  }
  const isImage = (imageFormat || IMAGE_CODECS.has(video.codec_name ?? '')) && frameCount <= 1 && !audio;

  return {
    path,
    formatName,
    width: swap ? codedHeight : codedWidth,
    height: swap ? codedWidth : codedHeight,
    codedWidth,
    codedHeight,
    rotation,
    fps,
    fpsRational,
    frameCount,
    frameCountSource,
    duration,
    hasAudio: audio !== undefined,
    ...(audio?.codec_name ? { audioCodec: audio.codec_name } : {}),
    videoCodec: video.codec_name ?? 'unknown',
    pixelFormat: video.pix_fmt ?? 'unknown',
    isImage,
  };
}
