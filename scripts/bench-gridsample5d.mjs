#!/usr/bin/env node
// CPU timings (onnxruntime-node) of LivePortrait's two 5-D GridSample shapes: the original node vs the
// subgraph rewriteGridSample5D puts in its place. Needs `npm run build` first.
// Usage: node scripts/bench-gridsample5d.mjs [--repeats N] [--threads N]
import { GraphBuilder, attr } from '../dist/src/onnx/builder.js';
import { SeededRandom } from '../dist/src/onnx/random.js';
import { rewriteGridSample5D } from '../dist/src/onnx/rewrite/gridsample5d.js';
import { createSession, float32Tensor } from '../dist/src/runtime/onnx.js';

const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback);
const repeats = option('--repeats', 5);
const threads = option('--threads', 0);
const count = (s) => s.reduce((a, b) => a * b, 1);

const cases = [
  { label: 'final warp', x: [1, 32, 16, 64, 64], grid: [1, 16, 64, 64, 3], opset: 20 },
  { label: 'dense motion', x: [22, 4, 16, 64, 64], grid: [22, 16, 64, 64, 3], opset: 16 },
  { label: 'dense motion, un-repeated volume', x: [1, 4, 16, 64, 64], grid: [1, 352, 64, 64, 3], opset: 16 },
];

async function median(bytes, feeds) {
  const session = await createSession(bytes, { threads });
  let out = (await session.run(feeds)).Y.data;
  const times = [];
  for (let i = 0; i < repeats; i++) {
    const start = performance.now();
    out = (await session.run(feeds)).Y.data;
    times.push(performance.now() - start);
  }
  await session.release();
  times.sort((a, b) => a - b);
  return { out, ms: times[Math.floor(times.length / 2)] };
}

for (const c of cases) {
  const g = new GraphBuilder('gridsample');
  g.input('X', c.x);
  g.input('G', c.grid);
  g.node('GridSample', ['X', 'G'], ['Y'], { mode: attr.s(c.opset >= 20 ? 'linear' : 'bilinear') });
  g.output('Y');
  const original = g.build({ opset: c.opset });
  const rewritten = rewriteGridSample5D(original);
  const rng = new SeededRandom(1);
  const feeds = { X: await float32Tensor(rng.uniformArray(count(c.x), -1, 1), c.x), G: await float32Tensor(rng.uniformArray(count(c.grid), -1.4, 1.4), c.grid) };
  const a = await median(original, feeds);
  const b = await median(rewritten.bytes, feeds);
  let error = 0;
  for (let i = 0; i < a.out.length; i++) error = Math.max(error, Math.abs(a.out[i] - b.out[i]));
  console.log(
    `${c.label} X ${c.x.join('x')} grid ${c.grid.join('x')}: original ${a.ms.toFixed(1)} ms, rewritten ${b.ms.toFixed(1)} ms ` +
      `(${rewritten.details[0].nodesAdded} nodes; median of ${repeats}); max abs error ${error.toExponential(2)}`,
  );
}
