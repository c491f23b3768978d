import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import sharp from 'sharp';
import { STANDIN_ROLES, buildStandin, standinFileName } from '../../src/onnx/standins.js';
import { decodeModel, modelMetadata } from '../../src/onnx/builder.js';
import { loadModel, STANDIN_METADATA_KEY, type LoadedModel } from '../../src/models/session.js';
import { CONTRACTS, ROLES, type Role } from '../../src/models/contract.js';
import { float32Tensor } from '../../src/runtime/onnx.js';

const SHARED = process.env.LIVEPORTRAIT_SHARED ?? resolve(process.cwd(), '../shared');

const models = new Map<Role, LoadedModel>();
async function model(role: Role): Promise<LoadedModel> {
  let m = models.get(role);
  if (!m) {
    m = await loadModel(role, { bytes: buildStandin(role), label: standinFileName(role) });
    models.set(role, m);
  }
  return m;
}

type Feeds = Record<string, { data: Float32Array; dims: number[] }>;
async function run(role: Role, feeds: Feeds): Promise<Record<string, Float32Array>> {
  const m = await model(role);
  const tensors: Record<string, Awaited<ReturnType<typeof float32Tensor>>> = {};
  for (const [name, { data, dims }] of Object.entries(feeds)) tensors[name] = await float32Tensor(data, dims);
  const out = await m.session.run(tensors);
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.data as Float32Array]));
}

/** NCHW float image from a function of the pixel centre (x, y in [0, 1]) returning RGB. */
function makeImage(width: number, height: number, pixel: (x: number, y: number) => [number, number, number]): Float32Array {
  const out = new Float32Array(3 * width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const rgb = pixel((x + 0.5) / width, (y + 0.5) / height);
      for (let c = 0; c < 3; c++) out[c * width * height + y * width + x] = rgb[c];
    }
  }
  return out;
}

const portraitA = makeImage(256, 256, (x, y) => {
  const face = Math.exp(-((x - 0.5) ** 2 + (y - 0.55) ** 2) / 0.06);
  return [0.2 + 0.7 * face, 0.15 + 0.5 * face + 0.2 * y, 0.3 + 0.3 * x];
});
const portraitB = makeImage(256, 256, (x, y) => {
  const stripes = 0.5 + 0.4 * Math.sin(12 * x + 5 * y);
  return [0.8 - 0.6 * y, stripes, 0.4 + 0.4 * Math.cos(9 * y)];
});

/** Mean over k×k blocks of one channel of an NCHW image. */
function blockMean(image: Float32Array, size: number, channel: number, k: number): Float32Array {
  const n = size / k;
  const out = new Float32Array(n * n);
  const plane = channel * size * size;
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) out[Math.floor(y / k) * n + Math.floor(x / k)] += image[plane + y * size + x] / (k * k);
  return out;
}

/** Pose angle decoded as the pipeline does: 3·Σ softmax(logits)ᵢ·i − 97.5. */
function degrees(logits: Float32Array): number {
  const max = Math.max(...logits);
  let sum = 0;
  let weighted = 0;
  logits.forEach((l, i) => {
    const e = Math.exp(l - max);
    sum += e;
    weighted += e * i;
  });
  return (3 * weighted) / sum - 97.5;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

test('every role has a stand-in that loads under its contract, is marked and small', async () => {
  assert.deepEqual([...STANDIN_ROLES].sort(), [...ROLES].sort());
  for (const role of STANDIN_ROLES) {
    const bytes = buildStandin(role);
    assert.ok(bytes.length < 2 * 1024 * 1024, `${role}: ${bytes.length} bytes`);
    assert.deepEqual(buildStandin(role), bytes, `${role}: deterministic bytes`);
    const decoded = decodeModel(bytes);
    assert.equal(modelMetadata(decoded)[STANDIN_METADATA_KEY], 'true');
    assert.match(decoded.docString, /stand-in/i);
    assert.match(decoded.docString, /no trained weights/);
    const m = await model(role);
    assert.equal(m.standin, true, role);
    // Same order as the real exports: some consumers read outputs by position.
    const contract = CONTRACTS[role];
    assert.equal(m.session.outputNames.length, contract.outputs.length);
    contract.outputs.forEach((spec, i) => {
      if (!spec.name.startsWith('*')) assert.equal(m.session.outputNames[i], spec.name, `${role} output #${i}`);
    });
    assert.match(standinFileName(role), /\.onnx$/);
  }
  const warp = decodeModel(buildStandin('warping_spade'));
  assert.equal(Number(warp.opsetImport[0].version), 16);
  assert.equal((warp.graph?.node ?? []).filter((n) => n.opType === 'GridSample').length, 1);
  assert.equal(standinFileName('warping_spade'), 'warping_spade.onnx');
  assert.equal(standinFileName('detector_scrfd'), 'det_10g.onnx');
});

test('motion stand-in: pose, expression and keypoints follow the image, in realistic ranges, deterministically', async () => {
  const a = await run('motion', { img: { data: portraitA, dims: [1, 3, 256, 256] } });
  const again = await run('motion', { img: { data: portraitA, dims: [1, 3, 256, 256] } });
  const b = await run('motion', { img: { data: portraitB, dims: [1, 3, 256, 256] } });
  for (const name of Object.keys(a)) assert.deepEqual(again[name], a[name], `${name} is deterministic`);
  for (const out of [a, b]) {
    for (const angle of ['pitch', 'yaw', 'roll']) assert.ok(Math.abs(degrees(out[angle])) <= 20.01, `${angle} ${degrees(out[angle])}`);
    assert.ok(out.t.every((v) => Math.abs(v) <= 0.05));
    assert.ok(out.exp.every((v) => Math.abs(v) <= 0.03));
    assert.ok(Math.abs(out.scale[0] - 1.5) <= 0.1);
    assert.ok(out.kp.every((v) => Math.abs(v) <= 0.62));
  }
  assert.ok(Math.abs(degrees(a.pitch) - degrees(b.pitch)) > 0.5, 'pitch differs between images');
  assert.ok(Math.abs(degrees(a.yaw) - degrees(b.yaw)) > 0.5, 'yaw differs between images');
  assert.ok(maxAbsDiff(a.exp, b.exp) > 0.005, 'expression differs between images');
  // A fixed face layout: the image only nudges the keypoints.
  assert.ok(maxAbsDiff(a.kp, b.kp) < 0.04);
});

test('appearance stand-in carries the picture and is deterministic', async () => {
  const f = (await run('appearance', { img: { data: portraitA, dims: [1, 3, 256, 256] } })).output;
  assert.equal(f.length, 32 * 16 * 64 * 64);
  const pooledRed = blockMean(portraitA, 256, 0, 4);
  for (const depth of [0, 7, 15]) {
    const slice = f.subarray(depth * 4096, depth * 4096 + 4096);
    assert.ok(maxAbsDiff(slice, pooledRed) < 1e-5, `red channel at depth ${depth}`);
  }
  const again = (await run('appearance', { img: { data: portraitA, dims: [1, 3, 256, 256] } })).output;
  assert.deepEqual(again, f);
});

async function sourceFeatureAndKeypoints(image: Float32Array): Promise<{ feature: Float32Array; kp: Float32Array }> {
  const feature = (await run('appearance', { img: { data: image, dims: [1, 3, 256, 256] } })).output;
  const motion = await run('motion', { img: { data: image, dims: [1, 3, 256, 256] } });
  return { feature, kp: motion.kp.map((v) => v * motion.scale[0]) };
}

function warpFeeds(feature: Float32Array, kpSource: Float32Array, kpDriving: Float32Array): Feeds {
  return {
    feature_3d: { data: feature, dims: [1, 32, 16, 64, 64] },
    kp_source: { data: kpSource, dims: [1, 21, 3] },
    kp_driving: { data: kpDriving, dims: [1, 21, 3] },
  };
}

test('warping_spade stand-in: unchanged keypoints render the (blurry) source', async () => {
  const { feature, kp } = await sourceFeatureAndKeypoints(portraitA);
  const out = (await run('warping_spade', warpFeeds(feature, kp, kp))).out;
  assert.equal(out.length, 3 * 512 * 512);
  assert.ok(out.every((v) => v >= 0 && v <= 1));
  // Compared at 64×64 away from the border, where the original's grid samples half outside the volume.
  for (let c = 0; c < 3; c++) {
    const rendered = blockMean(out, 512, c, 8);
    const source = blockMean(portraitA, 256, c, 4);
    let diff = 0;
    let count = 0;
    for (let y = 1; y < 63; y++) {
      for (let x = 1; x < 63; x++) {
        diff += Math.abs(rendered[y * 64 + x] - source[y * 64 + x]);
        count++;
      }
    }
    assert.ok(diff / count < 0.005, `channel ${c}: mean abs diff ${diff / count}`);
  }
});

test('warping_spade stand-in: moving the driving keypoints moves the picture', async () => {
  const spot = makeImage(256, 256, (x, y) => {
    const v = Math.abs(x - 0.5) < 0.08 && Math.abs(y - 0.5) < 0.08 ? 1 : 0.1;
    return [v, v, v];
  });
  const { feature, kp } = await sourceFeatureAndKeypoints(spot);
  const shifted = kp.map((v, i) => (i % 3 === 0 ? v + 0.1 : v));
  const centroid = (image: Float32Array): [number, number] => {
    let w = 0;
    let sx = 0;
    let sy = 0;
    for (let y = 0; y < 512; y++) {
      for (let x = 0; x < 512; x++) {
        const v = Math.max(0, image[y * 512 + x] - 0.5);
        w += v;
        sx += v * x;
        sy += v * y;
      }
    }
    assert.ok(w > 0, 'bright spot visible');
    return [sx / w, sy / w];
  };
  const still = centroid((await run('warping_spade', warpFeeds(feature, kp, kp))).out);
  const moved = centroid((await run('warping_spade', warpFeeds(feature, kp, shifted))).out);
  assert.ok(Math.abs(still[0] - 256) < 3 && Math.abs(still[1] - 256) < 3, `still spot at ${still}`);
  // +0.1 in grid units is +0.05 of the width: ≈ 25 px at 512.
  assert.ok(moved[0] - still[0] > 18 && moved[0] - still[0] < 30, `moved by ${moved[0] - still[0]} px`);
  assert.ok(Math.abs(moved[1] - still[1]) < 2);
});

test('split warping module + SPADE generator stand-ins render what the fused one renders', async () => {
  const { feature, kp } = await sourceFeatureAndKeypoints(portraitB);
  const driving = kp.map((v, i) => v + 0.08 * Math.sin(i));
  const fused = (await run('warping_spade', warpFeeds(feature, kp, driving))).out;
  const warped = await run('warping', warpFeeds(feature, kp, driving));
  assert.ok(warped.occlusion_map.every((v) => v >= 0 && v <= 1));
  const rendered = (await run('spade_generator', { feature: { data: warped.out, dims: [1, 256, 64, 64] } })).out;
  assert.ok(maxAbsDiff(rendered, fused) < 1e-5);
  // The identity part of the deformation is the original's grid 2·i/(n−1) − 1; equal keypoints add nothing.
  const still = await run('warping', warpFeeds(feature, kp, kp));
  const d = still.deformation;
  const at = (z: number, y: number, x: number, k: number): number => d[(((z * 64 + y) * 64 + x) * 3) + k];
  assert.equal(at(0, 0, 0, 0), -1);
  assert.ok(Math.abs(at(15, 63, 63, 2) - 1) < 1e-6);
  assert.ok(Math.abs(at(3, 10, 21, 0) - ((2 * 21) / 63 - 1)) < 1e-6);
  assert.ok(Math.abs(at(3, 10, 21, 1) - ((2 * 10) / 63 - 1)) < 1e-6);
  // …sampled with align_corners=0: output pixel j reads the picture at j·64/63 − 0.5, zeros outside.
  const picture = blockMean(portraitB, 256, 1, 4);
  const value = (y: number, x: number): number => (x < 0 || y < 0 || x > 63 || y > 63 ? 0 : picture[y * 64 + x]);
  let worst = 0;
  for (let j = 0; j < 64; j++) {
    for (let i = 0; i < 64; i++) {
      const [py, px] = [(j * 64) / 63 - 0.5, (i * 64) / 63 - 0.5];
      const [y0, x0] = [Math.floor(py), Math.floor(px)];
      const [fy, fx] = [py - y0, px - x0];
      const expected =
        (1 - fy) * ((1 - fx) * value(y0, x0) + fx * value(y0, x0 + 1)) + fy * ((1 - fx) * value(y0 + 1, x0) + fx * value(y0 + 1, x0 + 1));
      worst = Math.max(worst, Math.abs(still.out[4096 + j * 64 + i] - expected));
    }
  }
  assert.ok(worst < 1e-5, `green channel of the still warp differs by ${worst}`);
});

test('stitching and retargeting stand-ins give small, input-dependent deltas', async () => {
  const { kp } = await sourceFeatureAndKeypoints(portraitA);
  const driving = kp.map((v, i) => v + 0.05 * Math.cos(i));
  const cases: [Role, Float32Array, Float32Array][] = [
    ['stitching', Float32Array.from([...kp, ...kp]), Float32Array.from([...kp, ...driving])],
    ['retarget_eye', Float32Array.from([...kp, 0.3, 0.3, 0.3]), Float32Array.from([...kp, 0.3, 0.3, 0])],
    ['retarget_lip', Float32Array.from([...kp, 0.05, 0.05]), Float32Array.from([...kp, 0.05, 0.4])],
  ];
  for (const [role, x1, x2] of cases) {
    const d1 = (await run(role, { input: { data: x1, dims: [1, x1.length] } })).output;
    const d2 = (await run(role, { input: { data: x2, dims: [1, x2.length] } })).output;
    assert.ok(d1.every((v) => Math.abs(v) <= 0.015) && d2.every((v) => Math.abs(v) <= 0.015), `${role} deltas small`);
    assert.ok(maxAbsDiff(d1, d2) > 1e-5, `${role} depends on its input`);
  }
});

/** Eye and lip ratios as the pipeline computes them from 203 points. */
function ratios203(points: Float32Array): { eyeLeft: number; eyeRight: number; lip: number } {
  const p = (i: number): [number, number] => [points[2 * i], points[2 * i + 1]];
  const dist = (i: number, j: number): number => Math.hypot(p(i)[0] - p(j)[0], p(i)[1] - p(j)[1]);
  return { eyeLeft: dist(6, 18) / dist(0, 12), eyeRight: dist(30, 42) / dist(24, 36), lip: dist(90, 102) / dist(48, 66) };
}

function resample224(image: Float32Array): Float32Array {
  return makeImage(224, 224, (x, y) => {
    const i = Math.min(255, Math.floor(y * 256)) * 256 + Math.min(255, Math.floor(x * 256));
    return [image[i], image[65536 + i], image[131072 + i]];
  });
}

test('landmark203 stand-in: a face in the crop, eye and lip ratios plausible and image-dependent', async () => {
  const a = (await run('landmark203', { input: { data: resample224(portraitA), dims: [1, 3, 224, 224] } }))['856'];
  const b = (await run('landmark203', { input: { data: resample224(portraitB), dims: [1, 3, 224, 224] } }))['856'];
  for (const pts of [a, b]) {
    assert.ok(pts.every((v) => v > 0.1 && v < 0.95));
    const r = ratios203(pts);
    for (const eye of [r.eyeLeft, r.eyeRight]) assert.ok(eye >= 0.05 && eye <= 0.45, `eye ratio ${eye}`);
    assert.ok(r.lip >= 0.02 && r.lip <= 0.2, `lip ratio ${r.lip}`);
    const mean = (idx: number[]): [number, number] => [idx.reduce((s, i) => s + pts[2 * i], 0) / idx.length, idx.reduce((s, i) => s + pts[2 * i + 1], 0) / idx.length];
    const left = mean([0, 6, 12, 18]);
    const right = mean([24, 30, 36, 42]);
    const lip = mean([48, 66]);
    assert.ok(left[0] < 0.5 && right[0] > 0.5, 'left eye on the image left');
    assert.ok(lip[1] > left[1] + 0.2 && Math.abs(lip[0] - 0.5) < 0.02, 'mouth centred below the eyes');
  }
  assert.ok(Math.abs(ratios203(a).eyeLeft - ratios203(b).eyeLeft) > 0.02, 'eye ratio depends on the image');
  // A dark mouth (an open one) opens the reported lips.
  const darkMouth = resample224(portraitA);
  for (let c = 0; c < 3; c++) {
    for (let y = 165; y < 188; y++) for (let x = 85; x < 140; x++) darkMouth[c * 224 * 224 + y * 224 + x] = 0.05;
  }
  const open = (await run('landmark203', { input: { data: darkMouth, dims: [1, 3, 224, 224] } }))['856'];
  assert.ok(ratios203(open).lip > ratios203(a).lip + 0.03, `lip ratio ${ratios203(open).lip} vs ${ratios203(a).lip}`);
});

test('landmark106 and facemesh stand-ins: anchors where the crop expects the face', async () => {
  const data = makeImage(192, 192, (x, y) => [200 * x, 150, 100 + 100 * y]);
  const fc1 = (await run('landmark106', { data: { data, dims: [1, 3, 192, 192] } })).fc1;
  assert.ok(fc1.every((v) => Math.abs(v) <= 1));
  const mean106 = (idx: number[]): [number, number] => [idx.reduce((s, i) => s + fc1[2 * i], 0) / idx.length, idx.reduce((s, i) => s + fc1[2 * i + 1], 0) / idx.length];
  const left = mean106([33, 35, 40, 39]);
  const right = mean106([87, 89, 94, 93]);
  const lip = mean106([52, 61]);
  assert.ok(left[0] < -0.1 && right[0] > 0.1 && Math.abs(left[1] - right[1]) < 1e-5);
  assert.ok(lip[1] > left[1] + 0.3 && Math.abs(lip[0]) < 0.03);

  const facemeshModel = await model('facemesh');
  const input = facemeshModel.session.inputNames[0];
  const mesh = (await run('facemesh', { [input]: { data: portraitA, dims: [1, 3, 256, 256] } }))[facemeshModel.session.outputNames[0]];
  assert.equal(mesh.length, 1434);
  const p = (i: number): [number, number] => [mesh[3 * i], mesh[3 * i + 1]];
  assert.ok(p(468)[0] < 110 && p(473)[0] > 146, 'irises left/right');
  assert.ok(p(14)[1] > p(468)[1] + 60 && Math.abs(p(14)[0] - 128) < 4, 'lower lip below the eyes');
  for (let i = 0; i < 478; i++) assert.ok(p(i)[0] >= 0 && p(i)[0] <= 256 && p(i)[1] >= 0 && p(i)[1] <= 256, `point ${i}`);
});

/** A 640×640 letterboxed input (content top-left, zero padding), channel-major, raw 0–255. */
function letterboxed(size: number, contentWidth: number, contentHeight: number, pixel: (x: number, y: number) => number): Float32Array {
  const out = new Float32Array(3 * size * size);
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < contentHeight; y++) {
      for (let x = 0; x < contentWidth; x++) out[c * size * size + y * size + x] = pixel(x, y) + 10 * c;
    }
  }
  return out;
}

const texture = (x: number, y: number): number => 128 + 90 * Math.sin(x / 13) * Math.cos(y / 17);

interface Detection {
  score: number;
  box: [number, number, number, number];
  kps: number[];
}

async function yunet(input: Float32Array): Promise<Detection[]> {
  const out = await run('detector_yunet', { input: { data: input, dims: [1, 3, 640, 640] } });
  const found: Detection[] = [];
  for (const s of [8, 16, 32]) {
    const cols = 640 / s;
    const cls = out[`cls_${s}`];
    const obj = out[`obj_${s}`];
    for (let idx = 0; idx < cls.length; idx++) {
      const score = Math.sqrt(Math.min(Math.max(cls[idx], 0), 1) * Math.min(Math.max(obj[idx], 0), 1));
      if (score <= 0.5) continue;
      const c = idx % cols;
      const r = Math.floor(idx / cols);
      const b = out[`bbox_${s}`].subarray(4 * idx, 4 * idx + 4);
      const k = out[`kps_${s}`].subarray(10 * idx, 10 * idx + 10);
      const cx = (c + b[0]) * s;
      const cy = (r + b[1]) * s;
      const w = Math.exp(b[2]) * s;
      const h = Math.exp(b[3]) * s;
      found.push({ score, box: [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], kps: Array.from(k, (v, i) => (v + (i % 2 === 0 ? c : r)) * s) });
    }
  }
  return found;
}

function assertFaceInside(face: Detection, width: number, height: number): void {
  const [x1, y1, x2, y2] = face.box;
  assert.ok(x1 >= 0 && y1 >= 0 && x2 <= width && y2 <= height, `box ${face.box} inside ${width}x${height}`);
  assert.ok(Math.abs((x1 + x2) / 2 - width / 2) < 1 && Math.abs((y1 + y2) / 2 - height / 2) < 1, 'centred on the content');
  assert.ok(Math.abs(x2 - x1 - 0.45 * Math.min(width, height)) < 1);
  for (let i = 0; i < 5; i++) {
    const [x, y] = [face.kps[2 * i], face.kps[2 * i + 1]];
    assert.ok(x > x1 && x < x2 && y > y1 && y < y2, `keypoint ${i} inside the box`);
  }
  assert.ok(face.kps[0] < face.kps[2], 'first eye on the image left');
  assert.ok(face.kps[7] > face.kps[5] && face.kps[5] > face.kps[1], 'eyes above nose above mouth');
}

test('YuNet stand-in: one face on a picture, none on a uniform image', async () => {
  const faces = await yunet(letterboxed(640, 640, 480, texture));
  assert.equal(faces.length, 1);
  assert.ok(Math.abs(faces[0].score - 0.9) < 0.01);
  assertFaceInside(faces[0], 640, 480);
  const portrait = await yunet(letterboxed(640, 360, 640, texture));
  assert.equal(portrait.length, 1);
  assertFaceInside(portrait[0], 360, 640);
  assert.equal((await yunet(letterboxed(640, 640, 480, () => 128))).length, 0);
});

async function scrfd(input: Float32Array, size: number): Promise<Detection[]> {
  const normalised = input.map((v) => (v - 127.5) / 128);
  const out = await run('detector_scrfd', { 'input.1': { data: normalised, dims: [1, 3, size, size] } });
  const names = (await model('detector_scrfd')).session.outputNames;
  const found: Detection[] = [];
  [8, 16, 32].forEach((s, level) => {
    const [scores, boxes, kps] = [out[names[level]], out[names[level + 3]], out[names[level + 6]]];
    const cols = size / s;
    assert.equal(scores.length, (size / s) * cols * 2);
    for (let i = 0; i < scores.length; i++) {
      if (scores[i] <= 0.5) continue;
      const cell = Math.floor(i / 2);
      const ax = (cell % cols) * s;
      const ay = Math.floor(cell / cols) * s;
      const d = boxes.subarray(4 * i, 4 * i + 4);
      found.push({
        score: scores[i],
        box: [ax - d[0] * s, ay - d[1] * s, ax + d[2] * s, ay + d[3] * s],
        kps: Array.from(kps.subarray(10 * i, 10 * i + 10), (v, k) => (k % 2 === 0 ? ax : ay) + v * s),
      });
    }
  });
  return found;
}

test('SCRFD stand-in: any input size, one face on a picture, none on a uniform image', async () => {
  const at640 = await scrfd(letterboxed(640, 640, 480, texture), 640);
  assert.equal(at640.length, 1);
  assertFaceInside(at640[0], 640, 480);
  const at512 = await scrfd(letterboxed(512, 384, 512, texture), 512);
  assert.equal(at512.length, 1);
  assertFaceInside(at512[0], 384, 512);
  assert.equal((await scrfd(letterboxed(512, 512, 400, () => 90), 512)).length, 0);
});

test('stand-ins run on real portraits: different photos give different motion and landmarks', { skip: !existsSync(resolve(SHARED, 'samples/source/s0.jpg')) && 'needs ../shared (reference data)' }, async () => {
  const load = async (file: string, size: number): Promise<Float32Array> => {
    const { data } = await sharp(resolve(SHARED, 'samples/source', file)).resize(size, size).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    return makeImage(size, size, (x, y) => {
      const i = (Math.floor(y * size) * size + Math.floor(x * size)) * 3;
      return [data[i] / 255, data[i + 1] / 255, data[i + 2] / 255];
    });
  };
  const [s0, s5] = await Promise.all([load('s0.jpg', 256), load('s5.jpg', 256)]);
  const m0 = await run('motion', { img: { data: s0, dims: [1, 3, 256, 256] } });
  const m5 = await run('motion', { img: { data: s5, dims: [1, 3, 256, 256] } });
  assert.ok(Math.abs(degrees(m0.yaw) - degrees(m5.yaw)) + Math.abs(degrees(m0.pitch) - degrees(m5.pitch)) > 0.5);
  assert.ok(maxAbsDiff(m0.exp, m5.exp) > 0.003);
  const l0 = ratios203((await run('landmark203', { input: { data: resample224(s0), dims: [1, 3, 224, 224] } }))['856']);
  assert.ok(l0.eyeLeft > 0.05 && l0.eyeLeft < 0.45 && l0.lip >= 0.02 && l0.lip <= 0.2);
});
