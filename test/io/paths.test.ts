import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { defaultOutputPaths, defaultTemplatePath, fileStem } from '../../src/io/paths.js';
import { parseFrameRate } from '../../src/io/frame-rate.js';
import { OptionError } from '../../src/validate.js';

test('default output names follow the original {source}--{driving} scheme', () => {
  assert.equal(fileStem('/data/s6.jpg'), 's6');
  assert.equal(fileStem('clip.final.mp4'), 'clip.final');
  assert.equal(fileStem('noext'), 'noext');
  assert.deepEqual(defaultOutputPaths('animations', '/x/s6.jpg', '/y/d0.mp4'), {
    main: join('animations', 's6--d0.mp4'),
    concat: join('animations', 's6--d0_concat.mp4'),
  });
  assert.deepEqual(defaultOutputPaths('out', 's0.jpg', 'd12.jpg', { image: true }), { main: join('out', 's0--d12.jpg'), concat: join('out', 's0--d12_concat.jpg') });
  assert.equal(defaultTemplatePath('/v/d0.mp4'), join('/v', 'd0.json'));
  assert.equal(defaultTemplatePath('/v/d0.mp4', 'motions'), join('motions', 'd0.json'));
});

test('frame rates parse from numbers and exact rationals', () => {
  assert.deepEqual(parseFrameRate('fps', 25), { value: 25, text: '25' });
  assert.deepEqual(parseFrameRate('fps', '30000/1001'), { value: 30000 / 1001, text: '30000/1001' });
  assert.deepEqual(parseFrameRate('fps', '12.5'), { value: 12.5, text: '12.5' });
  for (const bad of [0, -1, Number.NaN, '0/1', 'abc', '25/0']) assert.throws(() => parseFrameRate('fps', bad), OptionError);
});
