/**
 * Measures the forged models on this machine: build time, file size, session creation and run time on
 * onnxruntime (CPU, default threads), chaining F and M into warping_spade the way the pipeline does.
 *
 *   npx tsc -p tsconfig.json && node dist/scripts/forge-bench.js [--runs N] [--roles appearance,motion,warping_spade]
 */
import { forgeModel, FORGE_ROLES, type ForgeRole } from '../src/onnx/forge/index.js';
import { createSession, float32Tensor, type Tensor } from '../src/runtime/onnx.js';
import { SeededRandom } from '../src/onnx/random.js';
import { summarizeValues } from '../src/bench/stats.js';

function argument(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const runs = Number(argument('--runs') ?? 1);
const roles = (argument('--roles')?.split(',') ?? ['appearance', 'motion', 'warping_spade']) as ForgeRole[];
for (const r of roles) if (!(FORGE_ROLES as readonly string[]).includes(r)) throw new Error(`unknown role ${r}`);

function describe(data: Float32Array): string {
  const { min, max, mean, std, nonFinite } = summarizeValues(data);
  return `min ${min.toPrecision(3)} max ${max.toPrecision(3)} mean ${mean.toPrecision(3)} std ${std.toPrecision(3)} non-finite ${nonFinite}`;
}

const rng = new SeededRandom(1);
const img = await float32Tensor(rng.uniformArray(3 * 256 * 256, 0, 1), [1, 3, 256, 256]);
const produced: Record<string, Tensor> = {};

async function feedsFor(role: ForgeRole, inputNames: readonly string[]): Promise<Record<string, Tensor>> {
  const feeds: Record<string, Tensor> = {};
  const kp = produced.kp ? new Float32Array(produced.kp.data as Float32Array).map((v) => 0.5 * v) : rng.uniformArray(63, -0.6, 0.6);
  for (const name of inputNames) {
    if (name === 'img') feeds[name] = img;
    else if (name === 'feature_3d') feeds[name] = produced.output ?? (await float32Tensor(rng.normalArray(32 * 16 * 64 * 64, 1), [1, 32, 16, 64, 64]));
    else if (name === 'kp_source') feeds[name] = await float32Tensor(kp, [1, 21, 3]);
    else if (name === 'kp_driving') feeds[name] = await float32Tensor(kp.map((v) => v + rng.uniform(-0.05, 0.05)), [1, 21, 3]);
    else if (name === 'feature') feeds[name] = await float32Tensor(rng.normalArray(256 * 64 * 64, 0.3), [1, 256, 64, 64]);
    else throw new Error(`${role}: no data for input ${name}`);
  }
  return feeds;
}

for (const role of roles) {
  const t0 = performance.now();
  const model = forgeModel(role, { seed: 0 });
  const buildMs = performance.now() - t0;
  const t1 = performance.now();
  const session = await createSession(model.bytes);
  const sessionMs = performance.now() - t1;
  const feeds = await feedsFor(role, session.inputNames);
  const times: number[] = [];
  let out: Record<string, Tensor> = {};
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    out = (await session.run(feeds)) as Record<string, Tensor>;
    times.push(performance.now() - t);
  }
  await session.release();
  if (role === 'appearance') produced.output = out.output;
  if (role === 'motion') produced.kp = out.kp;
  process.stdout.write(
    `${role}: ${(model.parameterCount / 1e6).toFixed(2)} M params, ${(model.bytes.length / 1e6).toFixed(1)} MB, build ${buildMs.toFixed(0)} ms, ` +
      `session ${sessionMs.toFixed(0)} ms, run ${times.map((t) => t.toFixed(0)).join(' / ')} ms\n`,
  );
  for (const [name, tensor] of Object.entries(out)) process.stdout.write(`  ${name} [${tensor.dims.join('x')}] ${describe(tensor.data as Float32Array)}\n`);
}
