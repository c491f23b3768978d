/**
 * A live preview window: frames are piped to ffplay as raw RGB. When the window is closed the sink
 * stops accepting frames (`closed` turns true) so the caller can end the run.
 */
import { once } from 'node:events';
import { spawnMedia, type MediaProcess } from './ffmpeg.js';
import type { RgbImage } from '../image/types.js';

export function ffplayPath(): string {
  return process.env.FFPLAY_PATH || 'ffplay';
}

export class PreviewWindow {
  private closedByUser = false;

  private constructor(
    private readonly proc: MediaProcess,
    readonly width: number,
    readonly height: number,
  ) {
    void proc.exited.then(() => {
      this.closedByUser = true;
    });
    proc.child.stdin?.on('error', () => (this.closedByUser = true));
  }

  static open(width: number, height: number, fps: number | string, title = 'liveportrait'): PreviewWindow {
    if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
      throw new Error('--preview needs a display (DISPLAY or WAYLAND_DISPLAY is not set): write to a file with -o instead');
    }
    const proc = spawnMedia(
      ffplayPath(),
      ['-loglevel', 'error', '-autoexit', '-window_title', title, '-f', 'rawvideo', '-pixel_format', 'rgb24', '-video_size', `${width}x${height}`, '-framerate', String(fps), '-i', '-'],
      { stdin: 'pipe', stdout: 'ignore' },
    );
    return new PreviewWindow(proc, width, height);
  }

  /** True once the window was closed (or ffplay could not start: no display, not installed). */
  get closed(): boolean {
    return this.closedByUser;
  }

  async show(image: RgbImage): Promise<void> {
    if (this.closedByUser) return;
    if (image.width !== this.width || image.height !== this.height) {
      throw new RangeError(`preview expects ${this.width}x${this.height} frames but received ${image.width}x${image.height}`);
    }
    const stdin = this.proc.child.stdin;
    if (!stdin || stdin.destroyed) return;
    if (!stdin.write(Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength))) {
      await Promise.race([once(stdin, 'drain'), this.proc.exited]);
    }
  }

  async close(): Promise<void> {
    this.proc.child.stdin?.end();
    await this.proc.exited;
  }
}
