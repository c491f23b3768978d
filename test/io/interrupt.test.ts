import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { onInterrupt } from '../../src/io/interrupt.js';

test('registering installs signal handlers and the last unregister removes them', () => {
  const before = [process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')];
  const offA = onInterrupt(() => undefined);
  const offB = onInterrupt(() => undefined);
  assert.deepEqual([process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')], [before[0] + 1, before[1] + 1]);
  offA();
  assert.equal(process.listenerCount('SIGINT'), before[0] + 1);
  offB();
  offB();
  assert.deepEqual([process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')], before);
});

test('on SIGTERM every cleanup runs (async ones awaited) before exit code 143', async () => {
  const moduleUrl = new URL('../../src/io/interrupt.js', import.meta.url).href;
  const script = `
    import { onInterrupt } from ${JSON.stringify(moduleUrl)};
    onInterrupt(() => console.log('first'));
    onInterrupt(async () => { await new Promise((r) => setTimeout(r, 50)); console.log('second'); });
    const off = onInterrupt(() => console.log('unregistered'));
    off();
    console.log('ready');
    setInterval(() => {}, 1000);
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    await new Promise<void>((resolve) =>
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('ready')) resolve();
      }),
    );
    child.kill('SIGTERM');
    assert.equal(await exit, 143);
    assert.deepEqual(out.trim().split('\n').sort(), ['first', 'ready', 'second']);
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
});
