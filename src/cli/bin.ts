#!/usr/bin/env node
import { main } from './main.js';
import { handleInterrupts } from '../io/interrupt.js';

// Ctrl-C: one line, cleanup of partial outputs, exit 130 — whatever was running.
handleInterrupts(() => process.stderr.write(`${process.stderr.isTTY ? '\n' : ''}liveportrait: interrupted\n`));

// `liveportrait … | head` closes the pipe early: that is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

main(process.argv).then((code) => {
  process.exitCode = code;
});
