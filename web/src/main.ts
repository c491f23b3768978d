import { EDIT_RANGES, type EditControlName, type EditControls } from '../../src/math/editing.js';
/**
 * The page: wiring of the controls, the driver loop and the live view. All model work happens in the
 * worker; the page only grabs frames, posts them one at a time (a frame is sent when the previous one
 * came back, so a slow device drops frames instead of queueing them) and draws the results.
 */
import type { AnimationRegion } from '../../src/settings.js';
import { cachedModels, missingRoles, modelsFromFiles, modelsFromUrl, type CheckedFile } from './model-store.js';
import type { DevicePreference, FromWorker, LiveOptions, ToWorker } from './protocol.js';
import { FacePicker } from './face-picker.js';

const $ = <T extends HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`missing element #${id}`);
  return el as T;
};

const statusEl = $<HTMLParagraphElement>('status');
const noticeEl = $<HTMLParagraphElement>('notice');
const modelInfo = $<HTMLParagraphElement>('model-info');
const modelProgress = $<HTMLProgressElement>('model-progress');
const cropCanvas = $<HTMLCanvasElement>('crop');
const resultCanvas = $<HTMLCanvasElement>('result');
const fpsEl = $<HTMLSpanElement>('fps');
const timingsEl = $<HTMLSpanElement>('timings');
const video = $<HTMLVideoElement>('driving-video-element');
const multiplier = $<HTMLInputElement>('multiplier');
const diag = $<HTMLPreElement>('diag');

const pickerFigure = $<HTMLElement>('face-picker-figure');
const picker = new FacePicker($<HTMLCanvasElement>('face-picker'), (chosen) => {
  state.sourceReady = false;
  publish();
  send({ type: 'faces', indices: chosen });
});

const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
const send = (message: ToWorker, transfer: Transferable[] = []) => worker.postMessage(message, transfer);

/** State the end-to-end test reads too (document.body.dataset). */
const state = {
  modelsReady: false,
  sourceReady: false,
  driver: undefined as 'webcam' | 'video' | 'template' | undefined,
  inFlight: false,
  nextId: 0,
  frames: 0,
  templateFrames: 0,
  templateFps: 25,
  templateIndex: 0,
  lastSent: 0,
  doneTimes: [] as number[],
};

function setStatus(text: string): void {
  statusEl.textContent = text;
}

function showNotice(lines: readonly string[]): void {
  noticeEl.hidden = lines.length === 0;
  noticeEl.textContent = lines.join(' ');
}

function publish(): void {
  const d = document.body.dataset;
  d.modelsReady = String(state.modelsReady);
  d.sourceReady = String(state.sourceReady);
  d.frames = String(state.frames);
  d.driver = state.driver ?? '';
}

/** The `edit` command's expression controls as sliders (ComfyUI-style ranges), applied on top of the live motion. */
const EXPRESSION_SLIDERS: readonly EditControlName[] = ['smile', 'blink', 'eyebrow', 'wink', 'pupilX', 'pupilY', 'aaa', 'eee', 'woo'];
const expressionInputs = new Map<EditControlName, HTMLInputElement>();
for (const name of EXPRESSION_SLIDERS) {
  const range = EDIT_RANGES.comfyui[name];
  if (!range) continue;
  const label = document.createElement('label');
  const input = document.createElement('input');
  input.type = 'range';
  input.id = `edit-${name}`;
  input.min = String(range.min);
  input.max = String(range.max);
  input.step = String((range.max - range.min) / 100);
  input.value = '0';
  label.append(`${name} `, input);
  $('expression-sliders').append(label);
  expressionInputs.set(name, input);
  input.addEventListener('input', () => sendOptions());
}

function editControls(): EditControls {
  const controls: Record<string, number> = {};
  for (const [name, input] of expressionInputs) {
    const v = Number(input.value);
    if (v !== 0) controls[name] = v;
  }
  return controls as EditControls;
}

function liveOptions(): LiveOptions {
  return {
    relative: $<HTMLInputElement>('relative').checked,
    stitching: $<HTMLInputElement>('stitching').checked,
    smooth: $<HTMLInputElement>('smooth').checked,
    pasteback: $<HTMLInputElement>('pasteback').checked,
    region: $<HTMLSelectElement>('region').value as AnimationRegion,
    multiplier: Number(multiplier.value),
    edit: editControls(),
  };
}

function sendOptions(): void {
  $<HTMLOutputElement>('multiplier-value').value = Number(multiplier.value).toFixed(2);
  if (state.modelsReady) send({ type: 'options', options: liveOptions() });
}

function draw(canvas: HTMLCanvasElement, image: ImageData): void {
  if (canvas.width !== image.width || canvas.height !== image.height) {
    canvas.width = image.width;
    canvas.height = image.height;
  }
  canvas.getContext('2d')!.putImageData(image, 0, 0);
}

function updateFps(now: number): void {
  const times = state.doneTimes;
  times.push(now);
  while (times.length > 2 && now - times[0] > 2000) times.shift();
  if (times.length >= 2) fpsEl.textContent = `${((times.length - 1) / ((now - times[0]) / 1000)).toFixed(2)} fps`;
}

// ---- the driver loop ----

/** Long side of the frames sent to the worker: enough for the 256 driving crop, cheap to copy. */
const FRAME_LONG_SIDE = 640;

async function pump(): Promise<void> {
  if (!state.driver || state.inFlight || !state.sourceReady || !state.modelsReady) return;
  if (state.driver === 'template') {
    const now = performance.now();
    if (now - state.lastSent < 1000 / state.templateFps) return;
    state.inFlight = true;
    state.lastSent = now;
    send({ type: 'template-frame', id: state.nextId++, index: state.templateIndex++ % Math.max(1, state.templateFrames) });
    return;
  }
  if (video.readyState < HTMLMediaElement.HAVE_CURRENT_DATA || !video.videoWidth) return;
  state.inFlight = true;
  try {
    const k = Math.min(1, FRAME_LONG_SIDE / Math.max(video.videoWidth, video.videoHeight));
    const bitmap = await createImageBitmap(video, {
      resizeWidth: Math.round(video.videoWidth * k),
      resizeHeight: Math.round(video.videoHeight * k),
      resizeQuality: 'medium',
    });
    send({ type: 'frame', id: state.nextId++, image: bitmap }, [bitmap]);
  } catch (err) {
    state.inFlight = false;
    setStatus(`cannot grab a frame: ${String(err)}`);
  }
}

function loop(): void {
  void pump();
  requestAnimationFrame(loop);
}
requestAnimationFrame(loop);

function stopDriver(): void {
  state.driver = undefined;
  const stream = video.srcObject as MediaStream | null;
  stream?.getTracks().forEach((t) => t.stop());
  video.srcObject = null;
  if (video.src) {
    URL.revokeObjectURL(video.src);
    video.removeAttribute('src');
  }
  video.load();
  publish();
}

// ---- worker messages ----

worker.onmessage = (event: MessageEvent<FromWorker>) => {
  const m = event.data;
  switch (m.type) {
    case 'status':
      setStatus(m.text);
      break;
    case 'ready': {
      state.modelsReady = true;
      const standins = m.standinRoles.length ? ` Stand-in models (no trained weights, not a real animation): ${m.standinRoles.join(', ')}.` : '';
      modelInfo.textContent = `Models ready on ${m.device}${m.device === 'wasm' ? ` (${m.threads} thread${m.threads > 1 ? 's' : ''})` : ''}.${standins}`;
      document.body.dataset.device = m.device;
      showNotice(m.notices);
      setStatus(state.sourceReady ? 'Ready.' : 'Models ready: choose a source photo.');
      sendOptions();
      break;
    }
    case 'source-ready': {
      state.sourceReady = true;
      picker.show(m.width, m.height, { faces: m.faces, chosen: m.chosen });
      pickerFigure.hidden = m.faces.length < 2;
      const faces = m.faces.length > 1 ? ` ${m.chosen.length} of ${m.faces.length} faces animated.` : '';
      setStatus(`Source ready (${m.width}×${m.height}).${faces}${m.warnings.length ? ' ' + m.warnings.join(' ') : ''} Start a driver.`);
      publish();
      break;
    }
    case 'template-ready':
      state.templateFrames = m.frames;
      state.templateFps = m.fps;
      state.templateIndex = 0;
      state.driver = 'template';
      setStatus(`Template: ${m.frames} frames at ${m.fps} fps.`);
      break;
    case 'frame-done':
      state.inFlight = false;
      state.frames++;
      if (m.crop) draw(cropCanvas, m.crop);
      draw(resultCanvas, m.result);
      updateFps(performance.now());
      timingsEl.textContent = `motion ${m.timings.motion.toFixed(0)} ms, render ${m.timings.render.toFixed(0)} ms`;
      if (m.warnings.length) showNotice(m.warnings);
      void pump();
      break;
    case 'probe-result':
      diag.textContent = JSON.stringify(m.probe, null, 2);
      document.body.dataset.probe = 'done';
      break;
    case 'error':
      if (m.id !== undefined) state.inFlight = false;
      setStatus(`Error: ${m.message}`);
      document.body.dataset.lastError = m.message;
      break;
  }
  publish();
};
worker.onerror = (event) => setStatus(`Worker error: ${event.message}`);

// ---- controls ----

const device = (): DevicePreference => $<HTMLSelectElement>('device').value as DevicePreference;

/** The files of the last model-folder pick, kept so that the stand-ins can use them for their roles. */
let pickedFiles: CheckedFile[] = [];

function initWithFiles(files: CheckedFile[]): void {
  pickedFiles = [];
  const bad = files.filter((f) => f.hash === 'mismatch').map((f) => f.name);
  const missing = missingRoles(files.filter((f) => f.hash !== 'mismatch'));
  if (bad.length) showNotice([`sha256 mismatch (file corrupt or a different export), not used: ${bad.join(', ')}.`]);
  if (missing.length) {
    pickedFiles = files;
    setStatus(`Missing model files for: ${missing.join(', ')}. Add them, or use the stand-in models for those roles.`);
    return;
  }
  state.modelsReady = false;
  const usable = files.filter((f) => f.hash !== 'mismatch');
  send({ type: 'init', device: device(), models: { kind: 'files', files: usable } }, usable.map((f) => f.bytes));
}

const progress = (done: number, total: number, label: string) => {
  modelProgress.hidden = false;
  modelProgress.max = Math.max(1, total);
  modelProgress.value = done;
  setStatus(label);
};

$('use-standins').addEventListener('click', () => {
  state.modelsReady = false;
  // Real files already picked in the model folder (checked) replace the stand-ins of their roles.
  const real = pickedFiles.filter((f) => f.hash !== 'mismatch');
  send({ type: 'init', device: device(), models: { kind: 'standin', real } }, real.map((f) => f.bytes));
  pickedFiles = [];
});
$<HTMLInputElement>('model-folder').addEventListener('change', (e) => {
  const list = (e.target as HTMLInputElement).files;
  if (list) void modelsFromFiles(list, progress).then(initWithFiles, (err: unknown) => setStatus(String(err)));
});
$('load-url').addEventListener('click', () => {
  const url = $<HTMLInputElement>('model-url').value.trim();
  if (url) void modelsFromUrl(url, progress).then(initWithFiles, (err: unknown) => setStatus(String(err)));
});
$('use-cached').addEventListener('click', () => {
  void cachedModels().then((files) => (files.length ? initWithFiles(files) : setStatus('No cached models yet.')));
});

$<HTMLInputElement>('source-file').addEventListener('change', (e) => {
  const file = (e.target as HTMLInputElement).files?.[0];
  if (!file) return;
  state.sourceReady = false;
  void Promise.all([createImageBitmap(file), createImageBitmap(file)]).then(
    ([bitmap, forPicker]) => {
      picker.setPhoto(forPicker);
      send({ type: 'source', image: bitmap, name: file.name }, [bitmap]);
    },
    (err: unknown) => setStatus(`cannot read ${file.name}: ${String(err)}`),
  );
});

$('start-webcam').addEventListener('click', () => {
  stopDriver();
  void navigator.mediaDevices.getUserMedia({ video: { width: { ideal: 640 }, height: { ideal: 480 } }, audio: false }).then(
    async (stream) => {
      video.srcObject = stream;
      await video.play();
      state.driver = 'webcam';
      setStatus('Driving with the webcam.');
      send({ type: 'rearm' });
      publish();
    },
    (err: unknown) => setStatus(`Webcam unavailable: ${String(err)}`),
  );
});
$<HTMLInputElement>('driving-video').addEventListener('change', (e) => {
  const file = (e.target as HTMLInputElement).files?.[0];
  if (!file) return;
  stopDriver();
  video.src = URL.createObjectURL(file);
  video.loop = true;
  void video.play().then(() => {
    state.driver = 'video';
    setStatus(`Driving with ${file.name}.`);
    send({ type: 'rearm' });
    publish();
  });
});
$<HTMLInputElement>('driving-template').addEventListener('change', (e) => {
  const file = (e.target as HTMLInputElement).files?.[0];
  if (!file) return;
  stopDriver();
  void file.text().then((text) => send({ type: 'template', text, name: file.name }));
});
$('stop').addEventListener('click', stopDriver);
$('rearm').addEventListener('click', () => send({ type: 'rearm' }));
for (const id of ['relative', 'stitching', 'smooth', 'pasteback', 'region']) $(id).addEventListener('change', sendOptions);
multiplier.addEventListener('input', sendOptions);
$('probe-webgpu').addEventListener('click', () => {
  diag.textContent = 'checking…';
  send({ type: 'probe-webgpu' });
});

// ---- recording ----

let recorder: MediaRecorder | undefined;
$('record').addEventListener('click', (e) => {
  const button = e.target as HTMLButtonElement;
  if (recorder) {
    recorder.stop();
    return;
  }
  const chunks: Blob[] = [];
  recorder = new MediaRecorder(resultCanvas.captureStream(30), { mimeType: 'video/webm' });
  recorder.ondataavailable = (ev) => chunks.push(ev.data);
  recorder.onstop = () => {
    const link = $<HTMLAnchorElement>('download');
    if (link.href) URL.revokeObjectURL(link.href);
    link.href = URL.createObjectURL(new Blob(chunks, { type: 'video/webm' }));
    link.hidden = false;
    button.textContent = 'Record';
    recorder = undefined;
  };
  recorder.start(1000);
  button.textContent = 'Stop recording';
});

publish();
