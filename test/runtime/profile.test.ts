import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GraphBuilder, attr } from '../../src/onnx/builder.js';
import { SeededRandom } from '../../src/onnx/random.js';
import { rewriteGridSample5D } from '../../src/onnx/rewrite/gridsample5d.js';
import { createSession, float32Tensor } from '../../src/runtime/onnx.js';
import { formatProviderReport, nodesOffProvider, providerReport, ProfileFormatError } from '../../src/runtime/profile.js';
import { findProfileFiles, readProviderReport } from '../../src/runtime/profile-file.js';

const CPU = 'CPUExecutionProvider';

function volumeSampleModel(): Uint8Array {
  const g = new GraphBuilder('profiled');
  g.input('X', [1, 2, 3, 4, 5]);
  g.input('G', [1, 2, 3, 4, 3]);
  const warped = g.op('GridSample', ['X', 'G'], { mode: attr.s('linear') });
  g.node('Relu', [warped], ['Y']);
  g.output('Y');
  return g.build({ opset: 20 });
}

/** Runs the model `runs` times with profiling on and returns the provider report of its trace. */
async function profile(bytes: Uint8Array, runs: number) {
  const dir = mkdtempSync(join(tmpdir(), 'lp-profile-'));
  try {
    const prefix = join(dir, 'trace');
    const session = await createSession(bytes, { profile: true, profileFilePrefix: prefix });
    const rng = new SeededRandom(1);
    const feeds = { X: await float32Tensor(rng.uniformArray(120, -1, 1), [1, 2, 3, 4, 5]), G: await float32Tensor(rng.uniformArray(72, -1, 1), [1, 2, 3, 4, 3]) };
    for (let i = 0; i < runs; i++) await session.run(feeds);
    session.endProfiling();
    await session.release();
    const files = findProfileFiles(prefix);
    assert.equal(files.length, 1, 'one trace written for the prefix');
    return readProviderReport(files[0]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('a CPU session’s trace shows every node on the CPU provider, per run', async () => {
  const report = await profile(volumeSampleModel(), 2);
  assert.equal(report.runs, 2);
  assert.deepEqual(Object.keys(report.byProvider), [CPU]);
  assert.deepEqual(nodesOffProvider(report, CPU), []);
  assert.ok(report.nodes.some((n) => n.opType === 'GridSample'));
  assert.ok(report.nodes.every((n) => n.runs === 2 && n.totalUs >= 0));
  assert.match(formatProviderReport(report), /^CPUExecutionProvider: \d+ nodes/);
});

test('after the 5-D GridSample rewrite the trace holds its replacement ops and no GridSample', async () => {
  const report = await profile(rewriteGridSample5D(volumeSampleModel()).bytes, 1);
  const ops = report.byProvider[CPU].opTypes;
  assert.ok(!ops.includes('GridSample'));
  for (const op of ['Gather', 'Floor', 'Pad']) assert.ok(ops.includes(op), `${op} in ${ops.join(',')}`);
});

test('a mixed trace reveals the nodes that fell back off the GPU provider', () => {
  const event = (name: string, op: string, provider: string, dur: number) => ({
    cat: 'Node',
    name: `${name}_kernel_time`,
    dur,
    ph: 'X',
    args: { op_name: op, provider },
  });
  const trace = {
    traceEvents: [
      { cat: 'Session', name: 'session_initialization', dur: 900, args: {} },
      event('/conv', 'Conv', 'WebGpuExecutionProvider', 300),
      { cat: 'Node', name: '/conv_fence_before', dur: 1, args: { op_name: 'Conv' } },
      event('/dense_motion_network/GridSample', 'GridSample', CPU, 40000),
      event('/conv', 'Conv', 'WebGpuExecutionProvider', 500),
      event('/dense_motion_network/GridSample', 'GridSample', CPU, 42000),
    ],
  };
  const report = providerReport(JSON.stringify(trace));
  assert.equal(report.runs, 2);
  assert.deepEqual(
    nodesOffProvider(report, 'WebGpuExecutionProvider').map((n) => [n.name, n.opType, n.totalUs]),
    [['/dense_motion_network/GridSample', 'GridSample', 82000]],
  );
  assert.deepEqual(report.byProvider.WebGpuExecutionProvider, { nodes: 1, totalUs: 800, opTypes: ['Conv'] });
  const text = formatProviderReport(report);
  assert.ok(text.indexOf(CPU) < text.indexOf('WebGpu'), 'slowest provider first');
  assert.match(text, /CPUExecutionProvider: 1 nodes, 41\.00 ms\/run \(GridSample\)/);
  assert.throws(() => providerReport('not json'), ProfileFormatError);
  assert.throws(() => providerReport({ events: [] }), ProfileFormatError);
});
