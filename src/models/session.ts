/**
 * Loading one model file for one role: create the onnxruntime session, check its input/output
 * signature against the role's contract, and fail with the file name and the mismatch.
 */
import { createSession, sessionSignature, type InferenceSession, type SessionOptions } from '../runtime/onnx.js';
import { checkSignature, STANDIN_METADATA_KEY, type Role } from './contract.js';
import { readModelHeaderInfo } from '../onnx/model-metadata.js';

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
  let bytes: Uint8Array;
  try {
    // Paths are a Node feature; the browser passes bytes, so fs is imported only when needed.
    bytes = typeof source === 'string' ? new Uint8Array(await (await import('node:fs/promises')).readFile(source)) : source.bytes;
  } catch (err) {
    throw new ModelLoadError(file, (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : String(err));
  }
  let session: InferenceSession;
  try {
    session = await createSession(bytes, options);
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
  return { role, file, session, standin: isStandinModelBytes(bytes) };
}
