/**
 * The only module that imports onnxruntime. Everything else uses the common InferenceSession/Tensor
 * interface re-exported here, so the same pipeline runs on onnxruntime-node (Node) and
 * onnxruntime-web (browser): the browser entry injects its module with `setOrt()`.
 */
import type { InferenceSession, Tensor } from 'onnxruntime-common';
import type { Device } from '../settings.js';
import type { ObservedTensor } from '../models/contract.js';

export type { InferenceSession, Tensor } from 'onnxruntime-common';

/** The part of an onnxruntime package (node or web) that this project uses. */
export interface OrtModule {
  readonly InferenceSession: { create(model: string | Uint8Array, options?: InferenceSession.SessionOptions): Promise<InferenceSession> };
  readonly Tensor: typeof Tensor;
  readonly env: { logLevel?: string; wasm?: { numThreads?: number } };
  readonly listSupportedBackends?: () => { name: string; bundled: boolean }[];
}

let ort: OrtModule | undefined;
let ortKind: 'node' | 'web' | 'injected' | undefined;

const isNode = typeof process !== 'undefined' && !!process.versions?.node;

/** Injects the onnxruntime module (the browser app passes onnxruntime-web). */
export function setOrt(module: OrtModule): void {
  ort = module;
  ortKind = 'injected';
}

export async function getOrt(): Promise<OrtModule> {
  if (ort) return ort;
  if (isNode) {
    // A specifier bundlers do not follow: browser builds of the core (liveportrait-ts/web) inject
    // onnxruntime-web with setOrt() and must not need onnxruntime-node to resolve.
    const nodeRuntime = 'onnxruntime-node';
    const mod = (await import(/* @vite-ignore */ nodeRuntime)) as OrtModule & { default?: OrtModule };
    ort = mod.default ?? mod;
    ortKind = 'node';
  } else {
    const mod = (await import('onnxruntime-web')) as unknown as OrtModule & { default?: OrtModule };
    ort = mod.default ?? mod;
    ortKind = 'web';
  }
  ort.env.logLevel = 'error';
  return ort;
}

export class DeviceUnavailableError extends Error {
  constructor(device: Device, available: readonly string[], hint: string) {
    super(`device '${device}' cannot be used here (providers in this onnxruntime build: ${available.join(', ')}). ${hint}`);
    this.name = 'DeviceUnavailableError';
  }
}

/** Devices the loaded runtime can use. */
export async function availableDevices(): Promise<Device[]> {
  const m = await getOrt();
  if (ortKind === 'node' && m.listSupportedBackends) {
    const cuda = await hasCudaBinaries();
    const names = m.listSupportedBackends().filter((b) => b.bundled || (b.name === 'cuda' && cuda)).map((b) => b.name);
    return (['cpu', 'cuda', 'webgpu'] as const).filter((d) => names.includes(d));
  }
  const out: Device[] = ['wasm'];
  if (typeof navigator !== 'undefined' && 'gpu' in navigator) out.unshift('webgpu');
  return out;
}

/** onnxruntime-node keeps the CUDA provider library next to its binding when its installer fetched it. */
async function hasCudaBinaries(): Promise<boolean> {
  try {
    const { createRequire } = await import('node:module');
    const { existsSync, readdirSync } = await import('node:fs');
    const { dirname, join } = await import('node:path');
    const root = dirname(createRequire(import.meta.url).resolve('onnxruntime-node/package.json'));
    const dir = join(root, 'bin', 'napi-v6', process.platform, process.arch);
    return existsSync(dir) && readdirSync(dir).some((f) => /onnxruntime_providers_cuda/.test(f));
  } catch {
    return false;
  }
}

export interface SessionOptions {
  readonly device?: Device;
  /** Intra-op threads; 0 or absent: one per core present (`defaultIntraOpThreads`). */
  readonly threads?: number;
  /** Collect per-node profiling (used to report which provider ran each node). */
  readonly profile?: boolean;
  /**
   * Path prefix of the profiling trace; onnxruntime-node requires one and writes
   * `<prefix>_<date>_<time>.json` when the session calls `endProfiling()`. Default 'onnxruntime_profile'.
   */
  readonly profileFilePrefix?: string;
}

function providersFor(device: Device): InferenceSession.ExecutionProviderConfig[] {
  switch (device) {
    case 'cpu':
      return ['cpu'];
    case 'wasm':
      return ['wasm'];
    case 'cuda':
      return ['cuda', 'cpu'];
    case 'webgpu':
      return ['webgpu', isNode ? 'cpu' : 'wasm'];
  }
}

const WEBGPU_HINT = 'WebGPU needs a GPU adapter (a browser with WebGPU, or onnxruntime-node on a machine with a Vulkan/Metal/D3D12 GPU).';

let webgpuProbe: Promise<string | undefined> | undefined;

/**
 * Whether onnxruntime-node can start its WebGPU provider here, tried once per process in a child
 * process: when there is no adapter, Dawn writes its Vulkan/Metal diagnostics straight to the native
 * stderr, which the CLI cannot silence in-process. Resolves to the first line of the failure, or
 * undefined when a session starts. LIVEPORTRAIT_DEBUG=1 shows the child's diagnostics.
 */
function probeNodeWebGpu(): Promise<string | undefined> {
  webgpuProbe ??= (async () => {
    const { spawn } = await import('node:child_process');
    const { createRequire } = await import('node:module');
    const { pathToFileURL } = await import('node:url');
    const { buildStandin } = await import('../onnx/standins.js');
    const runtime = pathToFileURL(createRequire(import.meta.url).resolve('onnxruntime-node')).href;
    const script =
      `const ort = await import(${JSON.stringify(runtime)}); const chunks = []; for await (const c of process.stdin) chunks.push(c);` +
      `try { await (ort.default ?? ort).InferenceSession.create(new Uint8Array(Buffer.concat(chunks)), { executionProviders: ['webgpu'], logSeverityLevel: 4 }); }` +
      `catch (e) { process.stdout.write(String(e && e.message || e).split('\\n')[0]); process.exitCode = 1; }`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['pipe', 'pipe', process.env.LIVEPORTRAIT_DEBUG ? 'inherit' : 'ignore'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stdin.end(buildStandin('stitching'));
    const code = await new Promise<number | null>((done) => child.on('close', done));
    if (code === 0) return undefined;
    // onnxruntime prefixes the reason with its source location; the reason is what a user needs.
    return /Failed to get a WebGPU adapter.*$/.exec(out.trim())?.[0] ?? (out.trim() || `probe exited with code ${code}`);
  })();
  return webgpuProbe;
}

/**
 * Intra-op threads when none are asked for: one per core present (Node: `os.availableParallelism()`,
 * which honours CPU affinity). Left to itself onnxruntime counts physical cores, and on virtual
 * machines that report one thread per core it ran a single thread: the forged W+G took 8.1 s per run
 * with its choice and 4.7 s with 2 threads on a 2-core EPYC VM (measured with `liveportrait bench`).
 * The browser's WASM provider keeps its own setting (`ort.env.wasm.numThreads`).
 */
export async function defaultIntraOpThreads(): Promise<number | undefined> {
  if (!isNode) return undefined;
  const { availableParallelism } = await import('node:os');
  return availableParallelism();
}

/** Creates a session with the project's tuned options; fails clearly when the device is missing. */
export async function createSession(model: string | Uint8Array, options: SessionOptions = {}): Promise<InferenceSession> {
  const m = await getOrt();
  const device = options.device ?? (isNode ? 'cpu' : 'wasm');
  if (isNode && device === 'cuda' && ortKind === 'node' && !(await availableDevices()).includes('cuda')) {
    throw new DeviceUnavailableError(
      device,
      await availableDevices(),
      'onnxruntime-node has no CUDA provider installed: reinstall it with network access and ONNXRUNTIME_NODE_INSTALL=cuda12, on a machine with CUDA 12 and cuDNN 9.',
    );
  }
  if (isNode && device === 'webgpu' && ortKind === 'node') {
    const failure = await probeNodeWebGpu();
    if (failure) throw new DeviceUnavailableError(device, await availableDevices(), `${WEBGPU_HINT} (${failure})`);
  }
  if (isNode && device === 'wasm') {
    throw new DeviceUnavailableError(device, await availableDevices(), "Use 'cpu' in Node; 'wasm' is the browser's CPU provider.");
  }
  const sessionOptions: InferenceSession.SessionOptions = {
    executionProviders: providersFor(device),
    graphOptimizationLevel: 'all',
    enableCpuMemArena: true,
    // No memory pattern: onnxruntime would keep one planned block for every activation on top of the
    // arena; without it the forged W+G peaks at 1.47 GB instead of 2.15 GB, at the same speed
    // (measured with `liveportrait bench`).
    enableMemPattern: false,
    executionMode: 'sequential',
    enableProfiling: options.profile ?? false,
    // Failures are reported through the thrown error; native error logs would only repeat it.
    logSeverityLevel: 4,
    // No busy-waiting between ops: the pipeline overlaps M, W+G and the ffmpeg encoder/decoder
    // processes, and spinning pool threads starve them on small CPUs (measured with `liveportrait bench`).
    extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
  };
  if (options.profile) sessionOptions.profileFilePrefix = options.profileFilePrefix ?? 'onnxruntime_profile';
  const threads = options.threads && options.threads > 0 ? options.threads : device === 'cpu' ? await defaultIntraOpThreads() : undefined;
  if (threads) sessionOptions.intraOpNumThreads = threads;
  try {
    return await m.InferenceSession.create(model, sessionOptions);
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    if (device !== 'cpu' && device !== 'wasm' && /provider|backend|cuda|webgpu|not (?:found|supported|available)/i.test(msg)) {
      const hint =
        device === 'cuda'
          ? 'onnxruntime-node needs its CUDA provider: reinstall it with network access and ONNXRUNTIME_NODE_INSTALL=cuda12, on a machine with CUDA 12 and cuDNN 9.'
          : WEBGPU_HINT;
      throw new DeviceUnavailableError(device, await availableDevices(), `${hint} (${msg.split('\n')[0]})`);
    }
    throw err;
  }
}

/** Makes a float32 tensor with the runtime's Tensor class. */
export async function float32Tensor(data: Float32Array, dims: readonly number[]): Promise<Tensor> {
  const m = await getOrt();
  return new m.Tensor('float32', data, dims);
}

/** The input/output names and shapes a session reports (onnxruntime ≥ 1.22 exposes metadata). */
export function sessionSignature(session: InferenceSession): { inputs: ObservedTensor[]; outputs: ObservedTensor[] } {
  const meta = session as unknown as {
    inputMetadata?: { name: string; isTensor: boolean; shape?: (number | string)[] }[];
    outputMetadata?: { name: string; isTensor: boolean; shape?: (number | string)[] }[];
  };
  const conv = (names: readonly string[], md?: { name: string; shape?: (number | string)[] }[]): ObservedTensor[] =>
    names.map((name, i) => ({ name, shape: md?.[i]?.shape }));
  return {
    inputs: conv(session.inputNames, meta.inputMetadata),
    outputs: conv(session.outputNames, meta.outputMetadata),
  };
}
