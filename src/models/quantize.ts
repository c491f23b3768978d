/**
 * Static int8 quantization of one model file: calibration runs of the fp32 model with the needed
 * intermediate tensors exposed as outputs, ranges by min/max or percentile, the QDQ graph written
 * with the project's ONNX writer, and the int8 variant's file name and metadata. The pure graph work
 * is in src/onnx/quantize/.
 */
import { decodeModel, encodeModel, type ModelProto } from '../onnx/builder.js';
import { exposeTensors, insertQdq, planQuantization, quantizedInfo, QUANTIZED_METADATA, type PlanOptions, type QuantizationPlan } from '../onnx/quantize/qdq.js';
import { RangeCollector, type RangeMethod } from '../onnx/quantize/ranges.js';
import { rewriteConv3dAs2d } from '../onnx/rewrite/conv3d-as-2d.js';
import { readModelHeaderInfo } from '../onnx/model-metadata.js';
import { createSession, type SessionOptions, type Tensor } from '../runtime/onnx.js';

export const PRECISION_SUFFIX = { int8: '.int8.onnx' } as const;

/** `warping_spade.onnx` → `warping_spade.int8.onnx`. */
export function int8FileName(file: string): string {
  return file.replace(/\.onnx$/i, '') + PRECISION_SUFFIX.int8;
}

export type Feeds = Record<string, Tensor>;

export interface Calibration {
  readonly model: ModelProto;
  readonly plan: QuantizationPlan;
  readonly collector: RangeCollector;
  readonly runs: number;
}

export interface CalibrateOptions extends PlanOptions, SessionOptions {
  /**
   * Rewrite the 3-D convolutions as 2-D convolutions over depth slices first (same fp32 result), so
   * that they can run as onnxruntime's fast 2-D integer kernels.
   */
  readonly conv3dAs2d?: boolean;
}

/**
 * Runs the fp32 model on every calibration feed with the plan's tensors exposed and collects their
 * ranges. One run at a time: memory holds one run's exposed tensors. A model with nothing to quantize
 * is not run (runs 0, no targets).
 */
export async function calibrateModel(bytes: Uint8Array, feeds: Iterable<Feeds> | AsyncIterable<Feeds>, options: CalibrateOptions = {}): Promise<Calibration> {
  // Nodes kept in fp32 on request keep their 3-D form (and their names).
  const rewrite = options.conv3dAs2d ? rewriteConv3dAs2d(decodeModel(bytes), options.keep) : undefined;
  const model = rewrite?.model ?? decodeModel(bytes);
  const plan = planQuantization(model, options);
  if (!plan.targets.length) return { model, plan, collector: new RangeCollector(), runs: 0 };
  // A tensor with the same range as a smaller one is measured on the smaller one.
  const measured = (t: string) => rewrite?.sameRange.get(t) ?? t;
  const exposed = [...new Set(plan.tensors.map(measured))];
  const session = await createSession(encodeModel(exposeTensors(model, exposed)), { device: 'cpu', threads: options.threads });
  const collector = new RangeCollector();
  let runs = 0;
  try {
    for await (const feed of feeds) {
      const out = await session.run(feed, exposed);
      // (Every range includes 0, so the depth padding's zeros need no separate observation.)
      for (const name of plan.tensors) collector.observe(name, out[measured(name)].data as Float32Array);
      runs++;
    }
  } finally {
    await session.release?.();
  }
  if (!runs) throw new Error('calibration needs at least one input');
  return { model, plan, collector, runs };
}

export interface QuantizedProvenance {
  /** sha256 of the fp32 file the variant was made from. */
  readonly sourceSha256: string;
  readonly sourceFile: string;
  /** Calibration inputs (file names) and frame counts, for the metadata. */
  readonly calibration: string;
}

/** The int8 model for one range method and plan (default: the calibration's), with its provenance in the metadata. */
export function buildQuantized(calibration: Calibration, method: RangeMethod, provenance: QuantizedProvenance, plan: QuantizationPlan = calibration.plan): Uint8Array {
  const model = insertQdq(calibration.model, plan, calibration.collector.ranges(method), {
    metadata: {
      [QUANTIZED_METADATA.precision]: 'int8',
      [QUANTIZED_METADATA.sourceSha256]: provenance.sourceSha256,
      [QUANTIZED_METADATA.sourceFile]: provenance.sourceFile,
      [QUANTIZED_METADATA.method]: `static QDQ, uint8 activations (${method}, ${calibration.runs} calibration runs), int8 per-channel weights`,
      [QUANTIZED_METADATA.calibration]: provenance.calibration,
      [QUANTIZED_METADATA.keptFp32]: plan.kept.map((k) => `${k.node} (${k.reason})`).join('; '),
    },
  });
  return encodeModel(model);
}

export class QuantizedVariantError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QuantizedVariantError';
  }
}

/**
 * Checks that `int8Bytes` is an int8 variant made from the fp32 file whose sha256 is `fp32Sha256`;
 * throws QuantizedVariantError naming both files otherwise.
 */
export function checkQuantizedVariant(int8Bytes: Uint8Array, int8File: string, fp32Sha256: string, fp32File: string): void {
  let metadata: Record<string, string>;
  try {
    metadata = readModelHeaderInfo(int8Bytes).metadata;
  } catch {
    throw new QuantizedVariantError(`${int8File} is not an ONNX model`);
  }
  checkQuantizedMetadata(metadata, int8File, fp32Sha256, fp32File);
}

/** `checkQuantizedVariant` on metadata already read (e.g. from the file's header only). */
export function checkQuantizedMetadata(metadata: Readonly<Record<string, string>>, int8File: string, fp32Sha256: string, fp32File: string): void {
  const info = quantizedInfo(metadata);
  if (!info) throw new QuantizedVariantError(`${int8File} carries no int8 quantization metadata; run \`liveportrait models quantize\` again`);
  if (info.sourceSha256 !== fp32Sha256) {
    throw new QuantizedVariantError(
      `${int8File} was quantized from a different file (sha256 ${info.sourceSha256.slice(0, 12)}…) than ${fp32File} (sha256 ${fp32Sha256.slice(0, 12)}…): ` +
        'run `liveportrait models quantize` again, or use --precision fp32',
    );
  }
}

