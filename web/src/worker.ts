/**
 * The pipeline worker: onnxruntime-web and the whole LivePortrait pipeline run here so the page never
 * blocks. Device: WebGPU when the browser has an adapter (unless the page asks for WASM), else WASM,
 * multi-threaded when the page is cross-origin isolated.
 */
import * as ort from 'onnxruntime-web';
import { setOrt, type OrtModule } from '../../src/runtime/onnx.js';
import { buildStandin } from '../../src/onnx/standins.js';
import { listGridSampleNodes, rewriteGridSample5D } from '../../src/onnx/rewrite/gridsample5d.js';
import { LiveEngine, filesToModelBytes, standinModelBytes, type ModelBytes } from './engine.js';
import { bitmapToRgb, rgbToImageData } from './pixels.js';
import type { FromWorker, ToWorker, WebGpuProbe } from './protocol.js';

interface WorkerScope {
  postMessage(message: FromWorker, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
  readonly crossOriginIsolated: boolean;
}
const scope = self as unknown as WorkerScope;

ort.env.logLevel = 'error';
// The WASM runtime files are served beside the app (see vite.config.ts), one level above this worker's
// folder both in the dev server (src/) and in the build (assets/).
ort.env.wasm.wasmPaths = new URL('../ort/', self.location.href).href;
setOrt(ort as unknown as OrtModule);

let engine: LiveEngine | undefined;

function post(message: FromWorker, transfer: Transferable[] = []): void {
  scope.postMessage(message, transfer);
}

interface GpuLike {
  requestAdapter(): Promise<{ info?: { vendor?: string; architecture?: string; description?: string } } | null>;
}

async function webGpuAdapter(): Promise<string | undefined> {
  const gpu = (navigator as unknown as { gpu?: GpuLike }).gpu;
  if (!gpu) return undefined;
  try {
    const adapter = await gpu.requestAdapter();
    if (!adapter) return undefined;
    const info = adapter.info;
    return [info?.vendor, info?.architecture, info?.description].filter(Boolean).join(' ') || 'WebGPU adapter';
  } catch {
    return undefined;
  }
}

/** Stand-ins with the real files given for some roles in their place. */
function withRealFiles(standins: ModelBytes[], real: ModelBytes[]): ModelBytes[] {
  return standins.map((s) => real.find((r) => r.role === s.role) ?? s);
}

async function init(message: Extract<ToWorker, { type: 'init' }>): Promise<void> {
  const notices: string[] = [];
  const adapter = message.device === 'wasm' ? undefined : await webGpuAdapter();
  let device: 'webgpu' | 'wasm' = adapter ? 'webgpu' : 'wasm';
  const threads = scope.crossOriginIsolated ? Math.max(1, Math.min(4, navigator.hardwareConcurrency || 1)) : 1;
  ort.env.wasm.numThreads = threads;
  if (!adapter) {
    notices.push(
      message.device === 'wasm'
        ? 'Running on WASM (CPU) as requested.'
        : 'WebGPU is not available in this browser: running on WASM (CPU), which is much slower.',
    );
  }
  if (!scope.crossOriginIsolated) notices.push('The page is not cross-origin isolated: WASM runs single-threaded.');
  post({ type: 'status', text: message.models.kind === 'standin' ? 'generating stand-in models…' : 'reading models…' });
  const files = message.models.kind === 'standin' ? withRealFiles(standinModelBytes(), filesToModelBytes(message.models.real ?? [])) : filesToModelBytes(message.models.files);
  await engine?.release();
  engine = undefined;
  const status = (text: string) => post({ type: 'status', text });
  try {
    engine = await LiveEngine.create(files, device, status);
  } catch (err) {
    if (device !== 'webgpu') throw err;
    notices.push(`WebGPU failed (${err instanceof Error ? err.message.split('\n')[0] : String(err)}): falling back to WASM.`);
    device = 'wasm';
    engine = await LiveEngine.create(files, device, status);
  }
  notices.push(...engine.notices);
  post({ type: 'ready', device, threads, standinRoles: engine.standinRoles, notices });
}

function requireEngine(): LiveEngine {
  if (!engine) throw new Error('load the models first');
  return engine;
}

function sendFrame(id: number, out: Awaited<ReturnType<LiveEngine['frame']>>): void {
  const crop = out.crop256 ? rgbToImageData(out.crop256) : undefined;
  const result = rgbToImageData(out.image);
  const transfer: Transferable[] = [result.data.buffer];
  if (crop) transfer.push(crop.data.buffer);
  post({ type: 'frame-done', id, crop, result, timings: out.timings, warnings: requireEngine().warnings }, transfer);
}

/** Checks that the rewritten stand-in warping graph has no 5-D GridSample left and loads and runs on WebGPU alone. */
async function probeWebGpu(): Promise<WebGpuProbe> {
  const adapter = await webGpuAdapter();
  if (!adapter) {
    const gpu = (navigator as unknown as { gpu?: unknown }).gpu;
    return { skipped: gpu ? 'navigator.gpu has no adapter' : 'navigator.gpu is undefined (no WebGPU)' };
  }
  const rewritten = rewriteGridSample5D(buildStandin('warping_spade'), { force: true });
  // The stand-in warping graph has no 4-D GridSample, so any GridSample left is a 5-D one.
  const left = listGridSampleNodes(rewritten.bytes).length;
  try {
    const session = await ort.InferenceSession.create(rewritten.bytes, { executionProviders: ['webgpu'] });
    const feeds = {
      feature_3d: new ort.Tensor('float32', new Float32Array(32 * 16 * 64 * 64).fill(0.5), [1, 32, 16, 64, 64]),
      kp_source: new ort.Tensor('float32', new Float32Array(63), [1, 21, 3]),
      kp_driving: new ort.Tensor('float32', new Float32Array(63).fill(0.01), [1, 21, 3]),
    };
    const start = performance.now();
    const out = await session.run(feeds);
    const ms = performance.now() - start;
    const dims = out[session.outputNames[0]].dims;
    await session.release();
    return { adapter, loaded: true, replaced: rewritten.replaced, gridSample5dLeft: left, outputDims: [...dims], ms };
  } catch (err) {
    return { adapter, loaded: false, replaced: rewritten.replaced, gridSample5dLeft: left, error: err instanceof Error ? err.message : String(err) };
  }
}

async function handle(message: ToWorker): Promise<void> {
  switch (message.type) {
    case 'init':
      return init(message);
    case 'source': {
      const e = requireEngine();
      post({ type: 'status', text: `preparing ${message.name}…` });
      const source = await e.setSource(bitmapToRgb(message.image), message.name);
      post({ type: 'source-ready', ...source });
      return;
    }
    case 'faces': {
      const e = requireEngine();
      post({ type: 'status', text: `preparing ${message.indices.length} face${message.indices.length === 1 ? '' : 's'}…` });
      post({ type: 'source-ready', ...(await e.setFaces(message.indices)) });
      return;
    }
    case 'frame': {
      const out = await requireEngine().frame(message.id, bitmapToRgb(message.image));
      sendFrame(message.id, out);
      return;
    }
    case 'template': {
      const t = requireEngine().setTemplate(message.text, message.name);
      post({ type: 'template-ready', frames: t.frames.length, fps: t.fps });
      return;
    }
    case 'template-frame':
      sendFrame(message.id, await requireEngine().templateFrame(message.index));
      return;
    case 'options':
      requireEngine().setOptions(message.options);
      return;
    case 'rearm':
      requireEngine().rearm();
      return;
    case 'probe-webgpu':
      post({ type: 'probe-result', probe: await probeWebGpu() });
      return;
  }
}

// Messages are handled strictly one after another: frames, option changes and model loads never interleave.
let queue: Promise<void> = Promise.resolve();
scope.onmessage = (event) => {
  const message = event.data;
  queue = queue.then(() =>
    handle(message).catch((err: unknown) => {
      post({ type: 'error', message: err instanceof Error ? err.message : String(err), id: 'id' in message ? message.id : undefined });
    }),
  );
};
