/**
 * One place that turns an output path into something frames can be written to: a numbered image
 * sequence for patterns like 'out/%04d.png', a video otherwise (Node only).
 */
import type { RgbImage } from '../image/types.js';
import { FrameSequenceWriter, isFrameSequencePattern, type FrameSequenceOptions } from './frame-sequence.js';
import { VideoWriter, type VideoWriterOptions } from './video-writer.js';

export interface FrameSink {
  readonly path: string;
  /** Resolves once the frame has been handed over; awaiting it is the backpressure. */
  write(image: RgbImage): Promise<void>;
  /** Completes the output (the video is renamed into place). */
  close(): Promise<{ readonly path: string; readonly frames: number }>;
  /** Stops and removes everything written. */
  abort(): Promise<void>;
}

export async function openFrameSink(path: string, options: VideoWriterOptions & FrameSequenceOptions): Promise<FrameSink> {
  if (isFrameSequencePattern(path)) return new FrameSequenceWriter(path, options);
  return VideoWriter.open(path, options);
}
