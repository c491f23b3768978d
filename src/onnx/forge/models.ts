/**
 * Forged models: LivePortrait's F, M, W and G with their real architectures and seeded random weights.
 * They cost what the trained models cost to run (speed depends on the graph, not on the weight values),
 * so they stand in for the trained files in benchmarks and in pipeline tests that only need the shapes.
 * They are not trained models: their outputs mean nothing.
 */
import { GraphBuilder } from '../builder.js';
import { expectInteger, expectOneOf } from '../../validate.js';
import type { Role } from '../../models/contract.js';
import { ForgeContext, networkRandom } from './context.js';
import { buildAppearanceGraph } from './appearance.js';
import { buildMotionGraph } from './motion.js';
import { FEATURE_3D_SHAPE, buildWarpingGraph, warpingModule } from './warping.js';
import { IMAGE_SHAPE, buildSpadeGraph, spadeGenerator } from './spade.js';

export const FORGE_ROLES = ['appearance', 'motion', 'warping_spade', 'warping', 'spade_generator'] as const satisfies readonly Role[];
export type ForgeRole = (typeof FORGE_ROLES)[number];

/** File names of the FasterLivePortrait layout (split W and G as named by the ailia export). */
export const FORGE_FILE_NAMES: Readonly<Record<ForgeRole, string>> = {
  appearance: 'appearance_feature_extractor.onnx',
  motion: 'motion_extractor.onnx',
  warping_spade: 'warping_spade.onnx',
  warping: 'warping_module.onnx',
  spade_generator: 'spade_generator.onnx',
};

/** Opset of the published exports (5-D GridSample written as opset-16 'bilinear'). */
export const FORGE_OPSET = 16;

export const FORGED_DOC_STRING = 'real-architecture benchmark graph with seeded random weights; not a trained model';

/** Metadata written into every forged model. */
export const FORGED_METADATA_KEY = 'liveportrait.forged';

export interface ForgeOptions {
  /** Seed of the weights (unsigned 32-bit integer); the same seed gives byte-identical files. */
  readonly seed?: number;
}

export interface ForgedModel {
  readonly role: ForgeRole;
  readonly file: string;
  /** The serialised ONNX model. */
  readonly bytes: Uint8Array;
  /** Trainable parameters in the PyTorch convention of the published sizes (BN running stats not counted). */
  readonly parameterCount: number;
}

export const DEFAULT_FORGE_SEED = 0;

/** Networks whose weights are drawn from independent seeds, so fused and split graphs hold the same weights. */
type Network = 'appearance_feature_extractor' | 'motion_extractor' | 'warping_module' | 'spade_generator';

function writeGraph(graph: GraphBuilder, seed: number, role: ForgeRole): number {
  const context = (network: Network) => new ForgeContext(graph, networkRandom(seed, network));
  switch (role) {
    case 'appearance': {
      const ctx = context('appearance_feature_extractor');
      buildAppearanceGraph(ctx);
      return ctx.trainableParameters;
    }
    case 'motion': {
      const ctx = context('motion_extractor');
      buildMotionGraph(ctx);
      return ctx.trainableParameters;
    }
    case 'warping': {
      const ctx = context('warping_module');
      buildWarpingGraph(ctx);
      return ctx.trainableParameters;
    }
    case 'spade_generator': {
      const ctx = context('spade_generator');
      buildSpadeGraph(ctx);
      return ctx.trainableParameters;
    }
    case 'warping_spade': {
      const feature3d = graph.input('feature_3d', FEATURE_3D_SHAPE);
      const kpDriving = graph.input('kp_driving', [1, 21, 3]);
      const kpSource = graph.input('kp_source', [1, 21, 3]);
      const w = context('warping_module');
      const warped = w.scope('warping_module', () => warpingModule(w, { feature3d, kpDriving, kpSource }));
      const g = context('spade_generator');
      g.scope('spade_generator', () => spadeGenerator(g, warped.out, 'out'));
      graph.output('out', IMAGE_SHAPE);
      return w.trainableParameters + g.trainableParameters;
    }
  }
}

/** Builds the forged model for `role`. Deterministic: the same role and seed give the same bytes. */
export function forgeModel(role: ForgeRole, options: ForgeOptions = {}): ForgedModel {
  expectOneOf('role', role, FORGE_ROLES);
  const seed = expectInteger('seed', options.seed ?? DEFAULT_FORGE_SEED, 0, 0xffffffff);
  const graph = new GraphBuilder(`forged_${role}`);
  const parameterCount = writeGraph(graph, seed, role);
  const bytes = graph.build({
    opset: FORGE_OPSET,
    producer: 'liveportrait-ts forge',
    docString: FORGED_DOC_STRING,
    metadata: {
      'liveportrait.standin': 'true',
      [FORGED_METADATA_KEY]: 'true',
      'liveportrait.role': role,
      'liveportrait.seed': String(seed),
      'liveportrait.parameters': String(parameterCount),
    },
  });
  return { role, file: FORGE_FILE_NAMES[role], bytes, parameterCount };
}
