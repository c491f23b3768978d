/** `liveportrait models standins DIR`: a complete pack of generated stand-in models for offline use. */
import type { Command } from 'commander';
import { writeStandinPack } from '../../models/standin-pack.js';

export function registerStandins(modelsCommand: Command): Command {
  return modelsCommand
    .command('standins')
    .description('write a complete pack of small generated STAND-IN models (real ONNX, real input/output contract, no trained weights)')
    .argument('<dir>', 'output directory (created if missing)')
    .option('--real <dir>', 'use the real model files found in DIR (hash-verified against the default pack) instead of stand-ins for their roles')
    .addHelpText(
      'after',
      '\nStand-ins let the whole pipeline run offline (tests, development): the stand-in motion extractor\'s pose\n' +
        'follows the picture and the stand-in warping model moves pixels with the keypoints through a real 5-D\n' +
        'GridSample, but nothing they produce is a real animation. Every command that uses them prints a warning.',
    )
    .action(async (dir: string, opts: { real?: string }) => {
      const manifest = await writeStandinPack(dir, {
        real: opts.real,
        onFile: (file, origin) => process.stdout.write(`${origin === 'real' ? 'real    ' : 'stand-in'}  ${file}\n`),
      });
      const real = manifest.files.filter((f) => f.origin === 'real').length;
      process.stdout.write(`wrote ${manifest.files.length - real} stand-in and ${real} real model file(s) and pack.json to ${dir}\n`);
      process.stderr.write('WARNING: stand-in models have no trained weights; their output is not a real animation.\n');
    });
}
