import type { Command } from 'commander';
import { registerModels } from './models.js';
import { registerStandins } from './standins.js';
import { registerForge } from './forge.js';
import { registerQuantize } from './quantize.js';
import { registerAnimate } from './animate.js';
import { registerCrop } from './crop.js';
import { registerEdit } from './edit.js';
import { registerBench } from './bench.js';
import { registerServe } from './serve.js';

/** Registers every subcommand. Each module adds one command (with its own --help) to the program. */
export function registerCommands(program: Command): void {
  const models = registerModels(program);
  registerStandins(models);
  registerForge(models);
  registerQuantize(models);
  registerAnimate(program);
  registerCrop(program);
  registerEdit(program);
  registerBench(program);
  registerServe(program);
}
