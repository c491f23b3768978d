/**
 * End-to-end test of the browser app: build it with Vite, serve the build (with the COOP/COEP headers of
 * the Vite config), and drive it in headless Debian Chromium with a fake webcam that plays a real driving
 * video. Run with `npm run test:e2e`; `npm test` skips it (it takes a browser and tens of seconds).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build, preview, type PreviewServer } from 'vite';
import { chromium, type Browser, type Page } from 'playwright-core';
import { videoToY4m } from '../../src/io/y4m.js';
import { HAS_FFMPEG, needsShared, sharedPath } from '../helpers/shared.js';
import { groupPhoto } from '../helpers/group-photo.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const WEB_ROOT = resolve(process.cwd(), 'web');

function skipReason(): string | false {
  if (!process.env.LIVEPORTRAIT_E2E) return 'browser end-to-end test: run `npm run test:e2e`';
  if (!existsSync(CHROMIUM)) return `needs Chromium at ${CHROMIUM} (apt-get install chromium)`;
  if (needsShared) return needsShared;
  if (!HAS_FFMPEG) return 'needs ffmpeg on PATH';
  return false;
}
const skip = skipReason();

let server: PreviewServer | undefined;
let url = '';
let work = '';

before(async () => {
  if (skip) return;
  work = await mkdtemp(join(tmpdir(), 'lp-web-e2e-'));
  await build({ root: WEB_ROOT, configFile: join(WEB_ROOT, 'vite.config.ts'), logLevel: 'warn' });
  server = await preview({ root: WEB_ROOT, configFile: join(WEB_ROOT, 'vite.config.ts'), logLevel: 'warn', preview: { port: 4300 + Math.floor(Math.random() * 500), host: '127.0.0.1' } });
  url = server.resolvedUrls?.local[0] ?? '';
  assert.ok(url, 'the preview server has a URL');
  await videoToY4m(sharedPath('samples/driving/d3.mp4'), fakeCamera(), { width: 256, height: 256, maxFrames: 30 });
});

const fakeCamera = (): string => join(work, 'd3.y4m');

after(async () => {
  await server?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

const BASE_ARGS = ['--headless', '--no-sandbox', '--disable-background-networking', '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream'];

async function openApp(browser: Browser): Promise<Page> {
  const page = await browser.newPage();
  page.on('pageerror', (err) => console.log(`[page error] ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') console.log(`[console] ${msg.text()}`);
  });
  await page.goto(url);
  return page;
}

interface CanvasSample {
  frames: number;
  checksum: number;
  mean: number;
}

/** The result canvas's pixels, reduced to a checksum and a mean, with the frame counter. */
function sampleResult(page: Page): Promise<CanvasSample> {
  return page.evaluate(() => {
    const canvas = document.getElementById('result') as HTMLCanvasElement;
    const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    let checksum = 0;
    let sum = 0;
    for (let i = 0; i < data.length; i += 4) {
      checksum = (checksum * 31 + data[i] + 7 * data[i + 1] + 13 * data[i + 2]) >>> 0;
      sum += data[i] + data[i + 1] + data[i + 2];
    }
    return { frames: Number(document.body.dataset.frames), checksum, mean: sum / ((data.length / 4) * 3) };
  });
}

/** Waits until `count` more frames than `after` were drawn, then samples. */
async function sampleAfter(page: Page, after: number, count = 1): Promise<CanvasSample> {
  await page.waitForFunction((n) => Number(document.body.dataset.frames) >= n, after + count, { timeout: 60_000 });
  return sampleResult(page);
}

/** Distinct checksums over `n` consecutive frames. */
async function distinctFrames(page: Page, n: number): Promise<Set<number>> {
  const seen = new Set<number>();
  let s = await sampleResult(page);
  for (let i = 0; i < n; i++) {
    s = await sampleAfter(page, s.frames);
    seen.add(s.checksum);
  }
  return seen;
}

test('the browser app animates a photo live from a (fake) webcam with stand-in models on WASM', { skip, timeout: 240_000 }, async () => {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: [...BASE_ARGS, '--disable-gpu', `--use-file-for-fake-video-capture=${fakeCamera()}`] });
  try {
    const page = await openApp(browser);
    assert.equal(await page.evaluate(() => crossOriginIsolated), true, 'COOP/COEP make the page cross-origin isolated (threaded WASM)');

    await page.click('#use-standins');
    await page.waitForFunction(() => document.body.dataset.modelsReady === 'true', undefined, { timeout: 60_000 });
    assert.equal(await page.evaluate(() => document.body.dataset.device), 'wasm');
    assert.match((await page.textContent('#model-info')) ?? '', /Stand-in models/);
    assert.match((await page.textContent('#notice')) ?? '', /WebGPU is not available/);

    await page.setInputFiles('#source-file', sharedPath('samples/source/s6.jpg'));
    await page.waitForFunction(() => document.body.dataset.sourceReady === 'true' || !!document.body.dataset.lastError, undefined, { timeout: 60_000 });
    assert.equal(await page.evaluate(() => document.body.dataset.lastError ?? ''), '');

    await page.click('#start-webcam');
    const first = await sampleAfter(page, 0, 2);
    assert.ok(first.mean > 5, `the result canvas shows a picture (mean ${first.mean.toFixed(1)})`);
    const moving = await distinctFrames(page, 4);
    assert.ok(moving.size >= 2, `the result changes with the driving frames (${moving.size} distinct of 4)`);

    // Multiplier 0: the driving keypoints are the source's, so the render stops moving.
    await page.evaluate(() => {
      const slider = document.getElementById('multiplier') as HTMLInputElement;
      slider.value = '0';
      slider.dispatchEvent(new Event('input'));
    });
    assert.equal(await page.textContent('#multiplier-value'), '0.00');
    const settled = await sampleResult(page);
    await sampleAfter(page, settled.frames, 2);
    const still = await distinctFrames(page, 3);
    assert.equal(still.size, 1, 'with multiplier 0 every frame renders the unmoved source');
    assert.ok(!moving.has([...still][0]), 'the still render differs from the moving ones');

    // An expression slider acts on top of the (frozen) motion: the still render changes.
    await page.evaluate(() => {
      const slider = document.getElementById('edit-smile') as HTMLInputElement;
      slider.value = '1';
      slider.dispatchEvent(new Event('input'));
    });
    const smiled = await sampleResult(page);
    await sampleAfter(page, smiled.frames, 2);
    const smiling = await distinctFrames(page, 2);
    assert.equal(smiling.size, 1, 'still frozen with multiplier 0');
    assert.notEqual([...smiling][0], [...still][0], 'the smile slider changed the render');

    await page.evaluate(() => {
      const slider = document.getElementById('multiplier') as HTMLInputElement;
      slider.value = '1';
      slider.dispatchEvent(new Event('input'));
    });
    await page.waitForTimeout(4000);
    const fps = (await page.textContent('#fps')) ?? '';
    const timings = (await page.textContent('#timings')) ?? '';
    const shot = join(tmpdir(), `liveportrait-web-${Date.now()}.png`);
    await page.screenshot({ path: shot, fullPage: true });
    console.log(`stand-in pipeline, headless Chromium WASM: ${fps} (${timings}); screenshot: ${shot}`);
    assert.match(fps, /^\d+(\.\d+)? fps$/);
  } finally {
    await browser.close();
  }
});

test('the face picker: a photo with two faces, both chosen by clicking, both follow the webcam', { skip, timeout: 180_000 }, async () => {
  const photo = await groupPhoto(work, 'pair', [sharedPath('samples/source/s6.jpg'), sharedPath('samples/source/s12.jpg')]);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: [...BASE_ARGS, '--disable-gpu', `--use-file-for-fake-video-capture=${fakeCamera()}`] });
  try {
    const page = await openApp(browser);
    // The stand-in detector reports one face per picture: pick the real YuNet in the model folder first.
    const folder = join(work, 'real-detector');
    await mkdir(folder, { recursive: true });
    await copyFile(sharedPath('models/yunet_n_640_640.onnx'), join(folder, 'yunet_n_640_640.onnx'));
    await page.setInputFiles('#model-folder', folder);
    await page.waitForFunction(() => /Missing model files/.test(document.getElementById('status')?.textContent ?? ''), undefined, { timeout: 60_000 });
    await page.click('#use-standins');
    await page.waitForFunction(() => document.body.dataset.modelsReady === 'true', undefined, { timeout: 60_000 });
    assert.doesNotMatch((await page.textContent('#model-info')) ?? '', /detector_yunet/, 'the real YuNet replaces the stand-in detector');
    await page.setInputFiles('#source-file', photo.path);
    await page.waitForFunction(() => document.body.dataset.sourceReady === 'true' || !!document.body.dataset.lastError, undefined, { timeout: 60_000 });
    assert.equal(await page.evaluate(() => document.body.dataset.lastError ?? ''), '');
    const dataset = () => page.evaluate(() => ({ faces: document.body.dataset.faces, chosen: document.body.dataset.chosenFaces, boxes: document.body.dataset.faceBoxes }));
    const found = await dataset();
    assert.equal(found.faces, '2', 'both faces are found');
    assert.equal(await page.isVisible('#face-picker'), true, 'the picker is shown for a photo with several faces');
    const boxes = JSON.parse(found.boxes ?? '[]') as number[][];
    const other = found.chosen === '0' ? 1 : 0;
    // Click the face that is not animated yet (canvas pixels → page pixels).
    const rect = await page.evaluate(() => {
      const c = document.getElementById('face-picker') as HTMLCanvasElement;
      const r = c.getBoundingClientRect();
      return { left: r.left, top: r.top, width: r.width, height: r.height, w: c.width, h: c.height };
    });
    const [x1, y1, x2, y2] = boxes[other];
    await page.mouse.click(rect.left + (((x1 + x2) / 2) * rect.width) / rect.w, rect.top + (((y1 + y2) / 2) * rect.height) / rect.h);
    await page.waitForFunction(() => document.body.dataset.chosenFaces === '0,1' && document.body.dataset.sourceReady === 'true', undefined, { timeout: 60_000 });

    await page.click('#start-webcam');
    await sampleAfter(page, 0, 2);
    const width = await page.evaluate(() => (document.getElementById('result') as HTMLCanvasElement).width);
    assert.equal(width, 1024, 'two renders side by side (paste-back off)');
    const moving = await distinctFrames(page, 4);
    assert.ok(moving.size >= 2, `both faces follow the webcam (${moving.size} distinct of 4)`);
    await page.click('#pasteback');
    const s = await sampleResult(page);
    await sampleAfter(page, s.frames, 2);
    const pasted = await page.evaluate(() => (document.getElementById('result') as HTMLCanvasElement).width);
    assert.equal(pasted, photo.width - (photo.width % 2), 'both renders pasted back into the photo');
    assert.equal(await page.evaluate(() => document.body.dataset.lastError ?? ''), '');
  } finally {
    await browser.close();
  }
});

test('the rewritten warping graph loads on WebGPU with no 5-D GridSample, and the app renders on WebGPU (when Chromium has a WebGPU adapter)', { skip, timeout: 120_000 }, async (t) => {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [...BASE_ARGS, `--use-file-for-fake-video-capture=${fakeCamera()}`, '--enable-unsafe-webgpu', '--enable-unsafe-swiftshader', '--use-angle=swiftshader', '--enable-features=Vulkan'],
  });
  try {
    const page = await openApp(browser);
    await page.click('#diagnostics summary');
    await page.click('#probe-webgpu');
    await page.waitForFunction(() => document.body.dataset.probe === 'done', undefined, { timeout: 90_000 });
    const probe = JSON.parse((await page.textContent('#diag')) ?? '{}') as { skipped?: string; loaded?: boolean; gridSample5dLeft?: number; replaced?: number; error?: string; adapter?: string; ms?: number };
    if (probe.skipped) {
      console.log(`WebGPU check skipped: ${probe.skipped}`);
      t.skip(probe.skipped);
      return;
    }
    console.log(`WebGPU adapter: ${probe.adapter}; warping graph run in ${probe.ms?.toFixed(0)} ms`);
    assert.ok((probe.replaced ?? 0) >= 1, 'the stand-in warping graph had a 5-D GridSample to rewrite');
    assert.equal(probe.gridSample5dLeft, 0);
    assert.equal(probe.loaded, true, probe.error);

    // The whole app on WebGPU (a software adapter here: slow, so two frames are enough).
    await page.click('#use-standins');
    await page.waitForFunction(() => document.body.dataset.modelsReady === 'true', undefined, { timeout: 60_000 });
    assert.equal(await page.evaluate(() => document.body.dataset.device), 'webgpu');
    assert.match((await page.textContent('#notice')) ?? '', /5-D GridSample node\(s\) rewritten for WebGPU/);
    await page.setInputFiles('#source-file', sharedPath('samples/source/s6.jpg'));
    await page.waitForFunction(() => document.body.dataset.sourceReady === 'true' || !!document.body.dataset.lastError, undefined, { timeout: 60_000 });
    await page.click('#start-webcam');
    const shot = await sampleAfter(page, 0, 2);
    assert.equal(await page.evaluate(() => document.body.dataset.lastError ?? ''), '');
    assert.ok(shot.mean > 5, `the WebGPU result canvas shows a picture (mean ${shot.mean.toFixed(1)})`);
    console.log(`stand-in pipeline on WebGPU (${probe.adapter}): ${await page.textContent('#fps')} (${await page.textContent('#timings')})`);
  } finally {
    await browser.close();
  }
});
