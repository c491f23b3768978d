/**
 * Stand-ins for the stitching and retargeting MLPs: the real layer widths (Gemm + Relu, no activation on
 * the last layer) with small seeded weights, so their deltas are small (|δ| ≲ 0.01) but depend on the input.
 */
import { GraphBuilder } from '../builder.js';
import { SeededRandom } from '../random.js';
import type { StandinGraph } from './graph-helpers.js';

/** Scale of the last layer's weights; calibrated so that keypoint-sized inputs give |δ| ≲ 0.01. */
const OUTPUT_GAIN = 0.004;

function mlp(name: string, widths: readonly number[], seed: number): GraphBuilder {
  const g = new GraphBuilder(name);
  const rng = new SeededRandom(seed);
  let x = g.input('input', [1, widths[0]]);
  for (let layer = 1; layer < widths.length; layer++) {
    const nIn = widths[layer - 1];
    const nOut = widths[layer];
    const last = layer === widths.length - 1;
    const std = (last ? OUTPUT_GAIN : Math.sqrt(2)) / Math.sqrt(nIn);
    const w = g.constFloat(rng.normalArray(nIn * nOut, std), [nIn, nOut], 'w');
    const b = g.constFloat(rng.normalArray(nOut, last ? OUTPUT_GAIN * 0.1 : 0.05), [nOut], 'b');
    x = g.op('Gemm', [x, w, b], {}, last ? 'output' : undefined);
    if (!last) x = g.op('Relu', [x]);
  }
  g.output('output', [1, widths[widths.length - 1]]);
  return g;
}

const BEHAVIOUR = 'an MLP with the real layer widths and small seeded weights: small (|δ| ≲ 0.01), input-dependent deltas.';

export function stitchingStandin(): StandinGraph {
  return { graph: mlp('stitching_standin', [126, 128, 128, 64, 65], 0x0f0004), behaviour: BEHAVIOUR };
}

export function retargetEyeStandin(): StandinGraph {
  return { graph: mlp('stitching_eye_standin', [66, 256, 256, 128, 128, 64, 63], 0x0f0005), behaviour: BEHAVIOUR };
}

export function retargetLipStandin(): StandinGraph {
  return { graph: mlp('stitching_lip_standin', [65, 128, 128, 64, 63], 0x0f0006), behaviour: BEHAVIOUR };
}
