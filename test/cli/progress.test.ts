import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { RateEstimator, createProgress } from '../../src/cli/progress.js';

test('the ETA is withheld until measured over real work, and excludes the first unit\'s warm-up', () => {
  let now = 0;
  const est = new RateEstimator(() => now);
  now = 30_000; // the first frame took 30 s (models warming up, the source prepared)
  assert.equal(est.eta(1, 100), undefined);
  now = 31_000;
  assert.equal(est.eta(2, 100), undefined, 'one unit after the first is not enough');
  now = 32_000;
  assert.equal(est.eta(3, 100), 97 / 1, '2 units in 2 s: 1 unit/s, 97 left');
});

test('progress without a terminal writes whole lines, never a carriage return, and no early ETA', () => {
  const stream = new PassThrough() as unknown as NodeJS.WriteStream & PassThrough;
  let text = '';
  stream.on('data', (d: Buffer) => (text += d.toString()));
  const bar = createProgress({ label: 'animate', unit: 'frames', stream });
  bar.update(1, 10);
  bar.update(10, 10);
  bar.stop('done');
  assert.doesNotMatch(text, /\r/);
  assert.match(text, /^animate: 1\/10 frames \(10%\)\n/);
  assert.doesNotMatch(text.split('\n')[0], /eta/);
  assert.match(text, /animate: 10\/10 frames \(100%\)\ndone\n$/);
});
