import type { Command } from 'commander';

/** Registers every subcommand. Each module adds one command (with its own --help) to the program. */
export function registerCommands(program: Command): void {
  void program;
}
