/**
 * `liveportrait demo`: animates the sample portrait with the sample driving clip shipped in the package
 * (both from the LivePortrait examples, MIT), downloading the models on first use.
 */
import { Command, Option } from 'commander';
import { resolve } from 'node:path';
import { samplePaths } from '../../models/bundled.js';
import { animateFile } from '../../pipeline/run.js';
import { DEFAULTS, type Device } from '../../settings.js';
import { addRuntimeOptions, engineFor } from './animate.js';
import { createProgress } from '../progress.js';

interface DemoOpts {
  output: string;
  models?: string;
  offline?: boolean;
  mirror?: string;
  device: Device;
  threads: number;
  quiet?: boolean;
  concat?: boolean;
}

export function registerDemo(program: Command): Command {
  const cmd = program
    .command('demo')
    .description('animate the sample portrait with the sample driving clip shipped in the package (downloads the models on first use)')
    .addOption(new Option('-o, --output <file>', 'where to write the result (.mp4)').default('liveportrait-demo.mp4'))
    .option('--concat', 'also write {output}_concat.mp4: driving | source | result side by side')
    .option('--models <dir>', 'model pack directory (default: the pack in the per-user cache, downloaded on first use)')
    .option('--offline', 'never download models: fail naming the missing files (also LIVEPORTRAIT_OFFLINE=1)')
    .option('--mirror <url>', 'download missing models from this base URL (files are fetched as URL/FILE)');
  addRuntimeOptions(cmd)
    .addHelpText(
      'after',
      '\nThe sample portrait and the 2-second driving clip come from the LivePortrait examples (MIT). The\n' +
        'same run by hand: liveportrait animate -i portrait.jpg -d driving.mp4 -o result.mp4',
    )
    .action(async (o: DemoOpts) => {
      const samples = samplePaths();
      const engine = await engineFor({ ...o, det: DEFAULTS.detector.kind, faceIndex: 0, precision: DEFAULTS.runtime.precision });
      const bar = createProgress({ label: 'demo', unit: 'frames', quiet: o.quiet });
      try {
        const result = await animateFile(engine, {
          source: samples.portrait,
          driving: samples.driving,
          output: o.output,
          options: { output: { concat: !!o.concat } },
          cleanupOnInterrupt: true,
          onProgress: (done, total) => bar.update(done, total),
          onWarning: (m) => process.stderr.write(`warning: ${m}\n`),
        });
        bar.stop();
        process.stdout.write(
          `wrote ${resolve(result.output)} (${result.frames} frames at ${+result.fps.toFixed(3)} fps)\n` + (result.concat ? `wrote ${resolve(result.concat)}\n` : ''),
        );
      } finally {
        bar.stop();
        await engine.release();
      }
    });
  return cmd;
}
