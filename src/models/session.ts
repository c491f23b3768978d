/**
 * Loading one model file for one role: create the onnxruntime session, check its input/output
 * signature against the role's contract, and fail with the file name and the mismatch.
 */
import { createSession, sessionSignature, type InferenceSession, type SessionOptions } from '../runtime/onnx.js';
import { checkSignature, STANDIN_METADATA_KEY, type Role } from './contract.js';
import { readModelHeaderInfo, readModelHeaderInfoAt, type ModelHeaderInfo } from '../onnx/model-metadata.js';

export { STANDIN_METADATA_KEY } from './contract.js';

export class ModelSignatureError extends Error {
  constructor(
    readonly file: string,
    readonly role: Role,
    readonly problems: readonly string[],
  ) {
    super(`model ${file} does not fit role '${role}': ${problems.join('; ')}`);
    this.name = 'ModelSignatureError';
  }
}

export class ModelLoadError extends Error {
  constructor(
    readonly file: string,
    reason: string,
  ) {
    super(`cannot load model ${file}: ${reason}`);
    this.name = 'ModelLoadError';
  }
}

export interface LoadedModel {
  readonly role: Role;
  /** Path or label of the file, for messages. */
  readonly file: string;
  readonly session: InferenceSession;
  /** True when the file declares itself a stand-in (metadata `liveportrait.standin=true`). */
  readonly standin: boolean;
}

export function isStandinModelBytes(bytes: Uint8Array): boolean {
  try {
    return readModelHeaderInfo(bytes).metadata[STANDIN_METADATA_KEY] === 'true';
  } catch {
    return false;
  }
}

/** A model file's metadata and doc string, read from its header only: the graph is skipped (Node). */
export async function readModelFileHeader(path: string): Promise<ModelHeaderInfo> {
  const { open } = await import('node:fs/promises');
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const readAt = async (offset: number, length: number) => {
      const buffer = new Uint8Array(length);
      const { bytesRead } = await handle.read(buffer, 0, length, offset);
      return buffer.subarray(0, bytesRead);
    };
    return await readModelHeaderInfoAt(readAt, size);
  } finally {
    await handle.close();
  }
}

/** The stand-in flag of a model file, read from its header only (Node). */
export async function isStandinModelFile(path: string): Promise<boolean> {
  try {
    return (await readModelFileHeader(path)).metadata[STANDIN_METADATA_KEY] === 'true';
  } catch (err) {
    if (err instanceof RangeError) return false;
    throw err;
  }
}

/**
 * Loads `source` (a path, or bytes with a label) as the model for `role`.
 * Throws ModelLoadError for unreadable/corrupt files and ModelSignatureError for a wrong contract.
 */
export async function loadModel(
  role: Role,
  source: string | { bytes: Uint8Array; label: string },
  options: SessionOptions = {},
): Promise<LoadedModel> {
  const file = typeof source === 'string' ? source : source.label;
  // A path is handed to onnxruntime as a path: it reads the file itself, so the bytes are never also
  // held in a JavaScript buffer (for the 386 MiB W+G that buffer stayed in the peak RSS). Only the
  // header (metadata) is read here.
  let standin: boolean;
  try {
    standin = typeof source === 'string' ? await isStandinModelFile(source) : isStandinModelBytes(source.bytes);
  } catch (err) {
    throw new ModelLoadError(file, (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : String(err));
  }
  let session: InferenceSession;
  try {
    session = await createSession(typeof source === 'string' ? source : source.bytes, options);
  } catch (err) {
    if (err instanceof Error && err.name === 'DeviceUnavailableError') throw err;
    throw new ModelLoadError(file, `not a valid ONNX model (${err instanceof Error ? err.message.split('\n')[0] : String(err)})`);
  }
  const sig = sessionSignature(session);
  const problems = checkSignature(role, sig.inputs, sig.outputs);
  if (problems.length) {
    await session.release?.();
    throw new ModelSignatureError(file, role, problems);
  }
  return { role, file, session, standin };
}
