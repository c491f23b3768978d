/**
 * Running the ffmpeg and ffprobe executables (Node only). Every other media module goes through here so
 * that binary lookup, stderr capture and "ffmpeg is not installed" errors are handled once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { extname, resolve } from 'node:path';

/** The ffmpeg executable: `FFMPEG_PATH` if set, else `ffmpeg` from PATH. */
export function ffmpegPath(): string {
  return process.env.FFMPEG_PATH || 'ffmpeg';
}

/** The ffprobe executable: `FFPROBE_PATH` if set, else `ffprobe` from PATH. */
export function ffprobePath(): string {
  return process.env.FFPROBE_PATH || 'ffprobe';
}

export class FfmpegNotFoundError extends Error {
  constructor(readonly executable: string) {
    super(`${executable} was not found: install ffmpeg (it provides ffmpeg and ffprobe) or set FFMPEG_PATH / FFPROBE_PATH`);
    this.name = 'FfmpegNotFoundError';
  }
}

/** ffmpeg (or ffprobe) failed; `stderrTail` holds the last lines it printed. */
export class FfmpegError extends Error {
  constructor(
    message: string,
    readonly stderrTail: string,
    readonly exitCode: number | null,
  ) {
    super(stderrTail ? `${message}\n${indent(stderrTail)}` : message);
    this.name = 'FfmpegError';
  }
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
}

/**
 * Playlists make ffmpeg open further files or URLs named inside them; inputs are single media files, so
 * these are refused by extension here and by detected format in probeMedia.
 */
export const PLAYLIST_EXTENSIONS: ReadonlySet<string> = new Set(['.m3u8', '.m3u', '.ffconcat', '.concat', '.pls', '.sdp']);
/** ffprobe format names of playlist-like demuxers (content sniffing finds them whatever the extension). */
export const PLAYLIST_FORMATS: ReadonlySet<string> = new Set(['hls', 'concat', 'sdp', 'rtp']);

export class UnsafeMediaPathError extends Error {
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(`${path}: ${reason}`);
    this.name = 'UnsafeMediaPathError';
  }
}

/**
 * A local file as ffmpeg and ffprobe must be given it: `file:` + the absolute path. A name such as
 * '-report' is then never an option, and 'concat:a.mp4|b.mp4' or 'http://…' never a protocol.
 */
export function mediaFileArg(path: string): string {
  if (path === '' || path.includes('\0')) throw new UnsafeMediaPathError(JSON.stringify(path), 'not a usable file name');
  return `file:${resolve(path)}`;
}

/** Throws when `path` names a playlist (.m3u8, .ffconcat…), which would make ffmpeg read other files. */
export function assertNotPlaylist(path: string): void {
  if (PLAYLIST_EXTENSIONS.has(extname(path).toLowerCase())) {
    throw new UnsafeMediaPathError(path, `playlists (${[...PLAYLIST_EXTENSIONS].join(', ')}) are not accepted as input: give the media file itself`);
  }
}

/**
 * The arguments that open one local media file as an input: only the file protocol may be used, also by
 * any demuxer that would open further files.
 */
export function mediaInputArgs(path: string): string[] {
  assertNotPlaylist(path);
  return ['-protocol_whitelist', 'file', '-i', mediaFileArg(path)];
}

export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Set when the process could not be started at all. */
  readonly spawnError?: Error;
}

/** A running ffmpeg/ffprobe with the tail of its stderr kept for error messages. */
export interface MediaProcess {
  readonly child: ChildProcess;
  /** Settles (never rejects) once the process has exited and been reaped. */
  readonly exited: Promise<ProcessExit>;
  /** The last lines of stderr (at most about 4 KB). */
  stderrTail(): string;
  /**
   * Lines in which ffmpeg reported failing to write its output (disk full, I/O error, trailer not
   * written). ffmpeg 5.1 still exits 0 after some of these, so writers must check this too.
   */
  writeErrors(): readonly string[];
  /** Resolves once the executable is running; rejects (FfmpegNotFoundError…) when it could not be started. */
  readonly started: Promise<void>;
  /** True once `exited` has settled. */
  hasExited(): boolean;
  /** Kills the process (SIGKILL unless told otherwise) and waits until it is gone. */
  kill(signal?: NodeJS.Signals): Promise<ProcessExit>;
}

const STDERR_TAIL_BYTES = 4096;
const STDERR_TAIL_LINES = 12;

export interface SpawnMediaOptions {
  stdin?: 'pipe' | 'ignore';
  stdout?: 'pipe' | 'ignore';
}

/** What ffmpeg prints when its output could not be written, whatever the exit status. */
const WRITE_ERROR = /No space left on device|Disk quota exceeded|Input\/output error|File too large|Error writing trailer|Error submitting a packet to the muxer|av_interleaved_write_frame\(\)|Error closing file/i;
const MAX_WRITE_ERRORS = 8;

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Kills every media process still running when Node exits, so none outlives the program. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of running) child.kill('SIGKILL');
  });
}

export function spawnMedia(executable: string, args: readonly string[], options: SpawnMediaOptions = {}): MediaProcess {
  installExitHook();
  const child = spawn(executable, args, {
    stdio: [options.stdin ?? 'ignore', options.stdout ?? 'pipe', 'pipe'],
    windowsHide: true,
  });
  running.add(child);
  let tail = '';
  let line = '';
  const writeErrors: string[] = [];
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (text: string) => {
    tail += text;
    if (tail.length > 2 * STDERR_TAIL_BYTES) tail = tail.slice(-STDERR_TAIL_BYTES);
    const lines = (line + text).split(/\r?\n|\r/);
    line = (lines.pop() ?? '').slice(-STDERR_TAIL_BYTES);
    for (const l of lines) if (WRITE_ERROR.test(l) && writeErrors.length < MAX_WRITE_ERRORS) writeErrors.push(l.trim());
  });
  child.stderr?.on('end', () => {
    if (WRITE_ERROR.test(line) && writeErrors.length < MAX_WRITE_ERRORS) writeErrors.push(line.trim());
    line = '';
  });
  let done = false;
  const exited = new Promise<ProcessExit>((resolve) => {
    // A persistent listener: an unhandled 'error' (a failed spawn or kill) would crash the process.
    child.on('error', (err: NodeJS.ErrnoException) => {
      if (child.pid === undefined && !done) {
        done = true;
        resolve({ code: null, signal: null, spawnError: err.code === 'ENOENT' ? new FfmpegNotFoundError(executable) : err });
      }
    });
    child.once('close', (code, signal) => {
      running.delete(child);
      done = true;
      resolve({ code, signal });
    });
  });
  const started = new Promise<void>((resolve, reject) => {
    child.once('spawn', () => resolve());
    void exited.then((exit) => (exit.spawnError ? reject(exit.spawnError) : resolve()));
  });
  // Callers that never await `started` must not see an unhandled rejection: `exited` reports it too.
  started.catch(() => undefined);
  return {
    child,
    exited,
    started,
    hasExited: () => done,
    writeErrors: () => writeErrors,
    stderrTail: () =>
      tail
        .slice(-STDERR_TAIL_BYTES)
        .split('\n')
        .map((l) => l.trimEnd())
        .filter((l) => l !== '')
        .slice(-STDERR_TAIL_LINES)
        .join('\n'),
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      if (!done && child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

export function describeExit(exit: ProcessExit): string {
  if (exit.signal) return `was killed by ${exit.signal}`;
  return `exited with code ${exit.code}`;
}

/** Runs ffmpeg to completion; throws an FfmpegError with stderr's tail when it fails. */
export async function runFfmpeg(args: readonly string[], what: string): Promise<void> {
  const proc = spawnMedia(ffmpegPath(), ['-hide_banner', '-nostdin', ...args], { stdout: 'ignore' });
  const exit = await proc.exited;
  if (exit.spawnError) throw exit.spawnError;
  if (exit.code !== 0) throw new FfmpegError(`${what}: ffmpeg ${describeExit(exit)}`, proc.stderrTail(), exit.code);
  if (proc.writeErrors().length) throw new FfmpegError(`${what}: ffmpeg could not write its output`, proc.writeErrors().join('\n'), exit.code);
}

/** Runs an executable to completion and returns all of its output; for ffprobe and device listing (small outputs). */
export async function captureOutput(executable: string, args: readonly string[]): Promise<{ stdout: string; stderr: string; exit: ProcessExit }> {
  const proc = spawnMedia(executable, args);
  let stdout = '';
  let stderr = '';
  proc.child.stdout?.setEncoding('utf8');
  proc.child.stdout?.on('data', (text: string) => (stdout += text));
  proc.child.stderr?.on('data', (text: string) => (stderr += text));
  const exit = await proc.exited;
  if (exit.spawnError) throw exit.spawnError;
  return { stdout, stderr, exit };
}

let available: Promise<boolean> | undefined;

/** Whether both ffmpeg and ffprobe can be run (cached). Used to skip media tests and features cleanly. */
export function hasFfmpeg(): Promise<boolean> {
  available ??= (async () => {
    try {
      const [a, b] = await Promise.all([captureOutput(ffmpegPath(), ['-version']), captureOutput(ffprobePath(), ['-version'])]);
      return a.exit.code === 0 && b.exit.code === 0;
    } catch {
      return false;
    }
  })();
  return available;
}
