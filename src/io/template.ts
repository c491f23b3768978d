/**
 * Motion template files (Node only): read the official templates converted to JSON and this project's
 * own; write them atomically, whole or frame by frame. The format itself is in template-format.ts.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { onInterrupt } from './interrupt.js';
import { InputFileError, checkInputFile } from './input-file.js';
import { describeJsonSyntaxError } from '../validate.js';
import { createPartialOutput, writeFileAtomic, type PartialOutput } from './partial-file.js';
import { TemplateError, checkRatios, frameJson, parseTemplate, serializeTemplate, templateHead, templateTail, type MotionTemplate, type TemplateFrame } from './template-format.js';

export { TEMPLATE_FORMAT, TemplateError, parseTemplate, serializeTemplate, type MotionTemplate, type TemplateFrame } from './template-format.js';

/** Reads and validates a template; errors name the file, the frame, the key and the expected shape. */
export async function readTemplate(path: string): Promise<MotionTemplate> {
  let text: string;
  try {
    await checkInputFile(path);
  } catch (err) {
    if (!(err instanceof InputFileError)) throw err;
    throw new TemplateError(path, err.message.endsWith(': file not found') ? `template file not found: ${path}` : `template ${err.message}`);
  }
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new TemplateError(path, code === 'ENOENT' ? `template file not found: ${path}` : `cannot read template ${path}: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    // Never V8's message as is: it quotes the start of the file (a template that is really /etc/passwd).
    throw new TemplateError(path, `template ${path}: not valid JSON (${describeJsonSyntaxError(err, text)})`);
  }
  return parseTemplate(json, path);
}

/** Writes a whole template atomically (temporary file beside it, then rename). */
export async function writeTemplate(path: string, template: MotionTemplate): Promise<void> {
  const text = serializeTemplate(template, path);
  await writeFileAtomic(path, text);
}

export interface TemplateWriterOptions {
  /** Frame rate stored as output_fps: the driving video's. */
  readonly fps: number;
  /** Delete the temporary file and exit on SIGINT/SIGTERM. Default false. */
  readonly cleanupOnInterrupt?: boolean;
}

export interface FrameRatios {
  /** [left, right] eye-open ratios of the driving face. */
  readonly eyes?: ArrayLike<number>;
  /** Lip-open ratio of the driving face. */
  readonly lip?: number;
}

/**
 * Writes a template frame by frame, so extracting motion from a long video keeps only the small ratio
 * lists (3 numbers a frame) in memory. The file appears at its path only when finalize() succeeds.
 */
export class TemplateWriter {
  private readonly stream: WriteStream;
  private readonly partial: PartialOutput;
  private readonly eyeRatios: number[][] = [];
  private readonly lipRatios: number[] = [];
  private count = 0;
  private hasEyes?: boolean;
  private hasLip?: boolean;
  private state: 'open' | 'finalized' | 'aborted' = 'open';
  private streamError?: Error;
  private readonly unregisterInterrupt?: () => void;

  private constructor(
    readonly path: string,
    fps: number,
    stream: WriteStream,
    partial: PartialOutput,
    cleanupOnInterrupt: boolean,
  ) {
    this.stream = stream;
    this.partial = partial;
    stream.on('error', (err) => (this.streamError = err));
    stream.write(templateHead(fps, path));
    if (cleanupOnInterrupt) this.unregisterInterrupt = onInterrupt(() => this.abort());
  }

  static async open(path: string, options: TemplateWriterOptions): Promise<TemplateWriter> {
    templateHead(options.fps, path); // validates fps before any file is created
    const partial = await createPartialOutput(path);
    return new TemplateWriter(path, options.fps, createWriteStream(partial.path, { flags: 'wx' }), partial, options.cleanupOnInterrupt ?? false);
  }

  get frames(): number {
    return this.count;
  }

  /** Appends one frame; either every frame has eye (lip) ratios or none does. */
  async append(frame: TemplateFrame, ratios: FrameRatios = {}): Promise<void> {
    if (this.state !== 'open') throw new TemplateError(this.path, `template ${this.path}: append() after ${this.state === 'finalized' ? 'finalize()' : 'abort()'}`);
    if (this.streamError) throw this.streamError;
    const index = this.count;
    const json = frameJson(frame, this.path, index);
    checkRatios(this.path, index, ratios.eyes, ratios.lip);
    this.hasEyes ??= ratios.eyes !== undefined;
    this.hasLip ??= ratios.lip !== undefined;
    if (this.hasEyes !== (ratios.eyes !== undefined) || this.hasLip !== (ratios.lip !== undefined)) {
      throw new TemplateError(this.path, `template ${this.path} frame ${index}: ratios must be given for every frame or for none (frame 0 had eyes: ${this.hasEyes}, lip: ${this.hasLip})`, index);
    }
    if (ratios.eyes) this.eyeRatios.push(Array.from(ratios.eyes));
    if (ratios.lip !== undefined) this.lipRatios.push(ratios.lip);
    this.count++;
    if (!this.stream.write(index === 0 ? json : `,\n${json}`)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          this.stream.off('drain', done);
          this.stream.off('close', done);
          resolve();
        };
        this.stream.on('drain', done);
        this.stream.on('close', done);
      });
      if (this.streamError) throw this.streamError;
    }
  }

  /** Writes the closing part and moves the file into place. */
  async finalize(): Promise<{ path: string; frames: number }> {
    if (this.state !== 'open') throw new TemplateError(this.path, `template ${this.path}: finalize() after ${this.state === 'finalized' ? 'finalize()' : 'abort()'}`);
    if (this.count === 0) {
      await this.abort();
      throw new TemplateError(this.path, `template ${this.path}: no frames were appended`);
    }
    this.state = 'finalized';
    const tail = templateTail(this.count, this.hasEyes ? this.eyeRatios : undefined, this.hasLip ? this.lipRatios : undefined);
    await new Promise<void>((resolve, reject) => {
      this.stream.once('error', reject);
      this.stream.end(tail, () => resolve());
    });
    if (this.streamError) {
      await this.partial.discard();
      throw this.streamError;
    }
    await this.partial.commit();
    this.unregisterInterrupt?.();
    return { path: this.path, frames: this.count };
  }

  /** Stops writing and deletes the temporary file. Safe to call twice. */
  async abort(): Promise<void> {
    if (this.state !== 'open') return;
    this.state = 'aborted';
    await new Promise<void>((resolve) => {
      if (this.stream.closed) resolve();
      else this.stream.destroy().once('close', () => resolve());
    });
    await this.partial.discard();
    this.unregisterInterrupt?.();
  }
}

/** Same as TemplateWriter.open. */
export function openTemplateWriter(path: string, options: TemplateWriterOptions): Promise<TemplateWriter> {
  return TemplateWriter.open(path, options);
}
