import type { Command } from 'commander';
import { registerModels } from './models.js';

/** Registers every subcommand. Each module adds one command (with its own --help) to the program. */
export function registerCommands(program: Command): void {
  registerModels(program);
}
