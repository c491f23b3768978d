import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { liveportraitHome, packDirectory } from '../../src/models/paths.js';

test('LIVEPORTRAIT_HOME overrides the per-user cache, and --models overrides both', () => {
  assert.equal(liveportraitHome({ LIVEPORTRAIT_HOME: '/data/lp' }), resolve('/data/lp'));
  assert.equal(packDirectory({}, { LIVEPORTRAIT_HOME: '/data/lp' }), join(resolve('/data/lp'), 'models', 'flp'));
  assert.equal(packDirectory({ models: '/x/pack' }, { LIVEPORTRAIT_HOME: '/data/lp' }), resolve('/x/pack'));
  assert.equal(liveportraitHome({ XDG_CACHE_HOME: '/c' }, 'linux'), join('/c', 'liveportrait-ts'));
});
