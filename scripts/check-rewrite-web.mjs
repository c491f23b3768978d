#!/usr/bin/env node
// Checks that onnxruntime-web (WASM provider, run in Node) loads and runs graphs whose 5-D GridSample
// nodes were rewritten by rewriteGridSample5D, and that they match the original nodes.
// Needs `npm run build` first. Usage: node scripts/check-rewrite-web.mjs [--real] [--threads N]
//   --real   also run LivePortrait's two real GridSample shapes (slow in single-thread WASM)
import * as ort from 'onnxruntime-web';
import { GraphBuilder, attr } from '../dist/src/onnx/builder.js';
import { SeededRandom } from '../dist/src/onnx/random.js';
import { rewriteGridSample5D } from '../dist/src/onnx/rewrite/gridsample5d.js';

const args = process.argv.slice(2);
const real = args.includes('--real');
const threadsAt = args.indexOf('--threads');
ort.env.wasm.numThreads = threadsAt >= 0 ? Number(args[threadsAt + 1]) : 1;
ort.env.logLevel = 'error';

const TOLERANCE = 1e-4;
const count = (s) => s.reduce((a, b) => a * b, 1);

function model(x, grid, opset) {
  const g = new GraphBuilder('gridsample');
  g.input('X', x);
  g.input('G', grid);
  g.node('GridSample', ['X', 'G'], ['Y'], { mode: attr.s(opset >= 20 ? 'linear' : 'bilinear') });
  g.output('Y');
  return g.build({ opset });
}

async function timedRun(bytes, feeds, repeats) {
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
  let out = (await session.run(feeds)).Y;
  const times = [];
  for (let i = 0; i < repeats; i++) {
    const start = performance.now();
    out = (await session.run(feeds)).Y;
    times.push(performance.now() - start);
  }
  await session.release();
  times.sort((a, b) => a - b);
  return { data: out.data, dims: out.dims, ms: times.length ? times[Math.floor(times.length / 2)] : NaN };
}

const cases = [
  { x: [2, 3, 4, 5, 6], grid: [2, 3, 4, 5, 3], opset: 16 },
  { x: [2, 3, 4, 5, 6], grid: [2, 3, 4, 5, 3], opset: 20 },
  { x: [1, 3, 5, 4, 7], grid: [1, 6, 2, 3, 3], opset: 20 },
  { x: [3, 2, 3, 6, 4], grid: [3, 1, 1, 9, 3], opset: 16 },
];
if (real) {
  cases.push({ x: [1, 32, 16, 64, 64], grid: [1, 16, 64, 64, 3], opset: 20, repeats: 3 });
  cases.push({ x: [22, 4, 16, 64, 64], grid: [22, 16, 64, 64, 3], opset: 16, repeats: 3 });
}

let failed = false;
console.log(`onnxruntime-web ${ort.env.versions?.web ?? ''} wasm, ${ort.env.wasm.numThreads} thread(s)`);
for (const c of cases) {
  const original = model(c.x, c.grid, c.opset);
  const rewritten = rewriteGridSample5D(original);
  const rng = new SeededRandom(42);
  const feeds = {
    X: new ort.Tensor('float32', rng.uniformArray(count(c.x), -1, 1), c.x),
    G: new ort.Tensor('float32', rng.uniformArray(count(c.grid), -1.4, 1.4), c.grid),
  };
  const repeats = c.repeats ?? 0;
  const a = await timedRun(original, feeds, repeats);
  const b = await timedRun(rewritten.bytes, feeds, repeats);
  let error = 0;
  for (let i = 0; i < a.data.length; i++) error = Math.max(error, Math.abs(a.data[i] - b.data[i]));
  const ok = rewritten.replaced === 1 && error <= TOLERANCE && a.dims.join() === b.dims.join();
  failed ||= !ok;
  const timing = repeats ? `; original ${a.ms.toFixed(0)} ms, rewritten ${b.ms.toFixed(0)} ms (median of ${repeats})` : '';
  console.log(`${ok ? 'ok  ' : 'FAIL'} X ${c.x.join('x')} grid ${c.grid.join('x')} opset ${c.opset}: max abs error ${error.toExponential(2)}${timing}`);
}
process.exit(failed ? 1 : 0);
