/**
 * `liveportrait models quantize`: int8 variants of F, M and W+G calibrated on the user's portraits and
 * driving videos, with the quality report (printed and kept in the pack as quantize-report.json).
 */
import { Option, type Command } from 'commander';
import { packDirectory } from '../../models/paths.js';
import { defaultBenchInputs } from '../../bench/run-bench.js';
import { formatQuantizeReport, quantizePack, QUANTIZABLE_ROLES, QUANTIZE_REPORT_FILE, type QuantizableRole } from '../../pipeline/quantize.js';
import { RANGE_METHODS } from '../../onnx/quantize/ranges.js';
import { DEFAULTS } from '../../settings.js';
import { expectInteger, expectOneOf, parseNumberOption } from '../../validate.js';

interface QuantizeOpts {
  models?: string;
  roles?: QuantizableRole[];
  calibrate?: string[];
  frames: number;
  method: 'auto' | (typeof RANGE_METHODS)[number];
  keep?: string[];
  sensitivity?: QuantizableRole[];
  threads?: number;
  json?: boolean;
}

const list = (text: string) => text.split(',').map((r) => r.trim()).filter(Boolean);

export function registerQuantize(modelsCommand: Command): Command {
  return modelsCommand
    .command('quantize')
    .description('write int8 variants (NAME.int8.onnx) of F, M and W+G by static QDQ quantization calibrated on your inputs, and report their quality')
    .addOption(new Option('--models <dir>', 'model pack directory (default: the downloaded pack in the per-user cache)'))
    .addOption(new Option('--roles <list>', `comma-separated roles (${QUANTIZABLE_ROLES.join(', ')}); default: all the pack has`).argParser((t) => list(t).map((r) => expectOneOf('--roles', r, QUANTIZABLE_ROLES))))
    .addOption(new Option('--calibrate <files...>', 'portraits and driving videos to calibrate on (default: the sample portrait s9.jpg and driving clip d0.mp4 of ../shared)'))
    .addOption(new Option('--frames <n>', 'driving frames used (every 4th is held out for the quality report)').argParser((t) => expectInteger('--frames', parseNumberOption('--frames', t), 2)).default(DEFAULTS.quantize.frames))
    .addOption(new Option('--method <m>', 'activation ranges: auto builds both and keeps the one that measures better on the held-out frames').choices(['auto', ...RANGE_METHODS]).default('auto'))
    .addOption(new Option('--keep <nodes>', "comma-separated node names or op types kept in fp32 (besides the last layers); 'Conv3d' keeps every 3-D conv in fp32 and in its 3-D form").argParser(list))
    .addOption(
      new Option('--sensitivity <roles>', 'roles whose layers are measured one by one, the most sensitive kept fp32 until the role meets its target (default: appearance)').argParser((t) =>
        list(t).map((r) => expectOneOf('--sensitivity', r, QUANTIZABLE_ROLES)),
      ),
    )
    .addOption(new Option('--threads <n>', 'onnxruntime intra-op threads (0 = one per core)').argParser((t) => expectInteger('--threads', parseNumberOption('--threads', t), 0)))
    .option('--json', 'print the report as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  liveportrait models quantize                                   # every role, the sample inputs, 64 frames\n' +
        '  liveportrait models quantize --roles appearance --calibrate me.jpg talk.mp4 --frames 32\n' +
        '  liveportrait animate -i me.jpg -d talk.mp4 -o out.mp4 --precision int8\n' +
        `The report is kept in the pack as ${QUANTIZE_REPORT_FILE}. Calibration runs the fp32 models on every frame: with W+G\n` +
        'it takes several seconds per frame on a CPU.',
    )
    .action(async (opts: QuantizeOpts) => {
      const defaults = defaultBenchInputs();
      const calibrate = opts.calibrate ?? [defaults.source, defaults.driving].filter((p): p is string => !!p);
      if (!calibrate.length) throw new Error('missing --calibrate: no default sample portrait (../shared/samples/source/s9.jpg is not there); pass your own photos and videos');
      const report = await quantizePack({
        models: packDirectory({ models: opts.models }),
        roles: opts.roles,
        calibrate,
        frames: opts.frames,
        method: opts.method,
        keep: opts.keep,
        sensitivity: opts.sensitivity,
        threads: opts.threads,
        onProgress: (line) => {
          if (!opts.json) process.stderr.write(line);
        },
      });
      process.stdout.write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatQuantizeReport(report)}\n`);
    });
}
