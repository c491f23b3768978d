/**
 * One small wrapper per LivePortrait model role: feed the tensors the role's contract names and return
 * plain typed arrays. Input images are NCHW float32 in [0,1] (see src/image/tensor.ts).
 */
import { float32Tensor, type InferenceSession, type Tensor } from '../runtime/onnx.js';
import type { LoadedModel } from './session.js';

async function runOne(session: InferenceSession, feeds: Record<string, Tensor>, output: string): Promise<Float32Array> {
  const out = await session.run(feeds, [output]);
  return out[output].data as Float32Array;
}

/** F: 1x3x256x256 → the 1x32x16x64x64 appearance feature volume (run once per source). */
export class AppearanceExtractor {
  constructor(readonly model: LoadedModel) {}

  async extract(image256: Float32Array): Promise<Tensor> {
    const out = await this.model.session.run({ img: await float32Tensor(image256, [1, 3, 256, 256]) }, ['output']);
    return out.output;
  }
}

/** The motion extractor's raw outputs (bin logits for the angles). */
export interface MotionOutputs {
  readonly pitch: Float32Array;
  readonly yaw: Float32Array;
  readonly roll: Float32Array;
  readonly t: Float32Array;
  readonly exp: Float32Array;
  readonly scale: Float32Array;
  readonly kp: Float32Array;
}

/** M: 1x3x256x256 → pose bins, translation, expression, scale and canonical keypoints. */
export class MotionExtractor {
  constructor(readonly model: LoadedModel) {}

  async extract(image256: Float32Array): Promise<MotionOutputs> {
    const out = await this.model.session.run({ img: await float32Tensor(image256, [1, 3, 256, 256]) });
    const get = (name: string) => out[name].data as Float32Array;
    return { pitch: get('pitch'), yaw: get('yaw'), roll: get('roll'), t: get('t'), exp: get('exp'), scale: get('scale'), kp: get('kp') };
  }
}

/**
 * W + G: warps the source feature volume from the source keypoints to the driving keypoints and renders
 * the 1x3x512x512 image. Works with the fused file (warping_spade) or the split pair.
 */
export class WarpGenerator {
  private constructor(
    private readonly fused: LoadedModel | undefined,
    private readonly warping: LoadedModel | undefined,
    private readonly generator: LoadedModel | undefined,
  ) {}

  static fused(model: LoadedModel): WarpGenerator {
    return new WarpGenerator(model, undefined, undefined);
  }

  static split(warping: LoadedModel, generator: LoadedModel): WarpGenerator {
    return new WarpGenerator(undefined, warping, generator);
  }

  get models(): LoadedModel[] {
    return [this.fused, this.warping, this.generator].filter((m): m is LoadedModel => !!m);
  }

  /** The source keypoints stay the same for a whole run: their tensor is made once per source array. */
  private kpSourceTensor: { readonly data: Float32Array; readonly tensor: Tensor } | undefined;

  private async sourceKeypointTensor(kpSource: Float32Array): Promise<Tensor> {
    if (this.kpSourceTensor?.data !== kpSource) this.kpSourceTensor = { data: kpSource, tensor: await float32Tensor(kpSource, [1, 21, 3]) };
    return this.kpSourceTensor.tensor;
  }

  async render(feature3d: Tensor, kpSource: Float32Array, kpDriving: Float32Array): Promise<Float32Array> {
    const feeds = {
      feature_3d: feature3d,
      kp_source: await this.sourceKeypointTensor(kpSource),
      kp_driving: await float32Tensor(kpDriving, [1, 21, 3]),
    };
    if (this.fused) return runOne(this.fused.session, feeds, 'out');
    const warped = await this.warping!.session.run(feeds, ['out']);
    return runOne(this.generator!.session, { feature: warped.out }, 'out');
  }
}

/** The three small MLPs: stitching (126→65), eye retargeting (66→63), lip retargeting (65→63). */
export class StitchingModels {
  constructor(
    readonly stitching: LoadedModel,
    readonly eye: LoadedModel | undefined,
    readonly lip: LoadedModel | undefined,
  ) {}

  private async mlp(model: LoadedModel, input: Float32Array): Promise<Float32Array> {
    return runOne(model.session, { input: await float32Tensor(input, [1, input.length]) }, 'output');
  }

  stitch(input126: Float32Array): Promise<Float32Array> {
    return this.mlp(this.stitching, input126);
  }

  retargetEye(input66: Float32Array): Promise<Float32Array> {
    if (!this.eye) throw new Error('eye retargeting needs the stitching_eye.onnx model (role retarget_eye), which this pack lacks');
    return this.mlp(this.eye, input66);
  }

  retargetLip(input65: Float32Array): Promise<Float32Array> {
    if (!this.lip) throw new Error('lip retargeting and lip normalisation need the stitching_lip.onnx model (role retarget_lip), which this pack lacks');
    return this.mlp(this.lip, input65);
  }
}

/**
 * Wraps the LivePortrait roles from a loader (files in Node, bytes in the browser): F, M, the fused or
 * split warping/generator, and the three MLPs. The loader returns undefined for an absent role.
 */
export async function assemblePortraitModels(
  load: (role: 'appearance' | 'motion' | 'warping_spade' | 'warping' | 'spade_generator' | 'stitching' | 'retarget_eye' | 'retarget_lip') => Promise<LoadedModel | undefined>,
): Promise<{ appearance: AppearanceExtractor; motion: MotionExtractor; warp: WarpGenerator; stitching: StitchingModels }> {
  const need = async (role: Parameters<typeof load>[0]): Promise<LoadedModel> => {
    const m = await load(role);
    if (!m) throw new Error(`the model for role '${role}' is missing`);
    return m;
  };
  const appearance = new AppearanceExtractor(await need('appearance'));
  const motion = new MotionExtractor(await need('motion'));
  const fused = await load('warping_spade');
  const warp = fused ? WarpGenerator.fused(fused) : WarpGenerator.split(await need('warping'), await need('spade_generator'));
  const stitching = new StitchingModels(await need('stitching'), await load('retarget_eye'), await load('retarget_lip'));
  return { appearance, motion, warp, stitching };
}
