import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readAhead, readAheadDepth } from '../../src/pipeline/read-ahead.js';

const tick = () => new Promise<void>((r) => setImmediate(r));

/** A source that counts how many items it has started producing and whether it was closed. */
function counting(n: number, failAt?: number) {
  const state = { started: 0, closed: false };
  async function* gen() {
    try {
      for (let i = 0; i < n; i++) {
        state.started++;
        await tick();
        if (i === failAt) throw new Error(`item ${i} failed`);
        yield i;
      }
    } finally {
      state.closed = true;
    }
  }
  return { state, source: gen() };
}

test('readAhead yields every item in order', async () => {
  const { source, state } = counting(7);
  const out: number[] = [];
  for await (const v of readAhead(source, 2)) {
    await tick();
    out.push(v);
  }
  assert.deepEqual(out, [0, 1, 2, 3, 4, 5, 6]);
  assert.equal(state.closed, true);
});

test('readAhead never runs more than depth items ahead of the consumer', async () => {
  const { source, state } = counting(20);
  let consumed = 0;
  let maxAhead = 0;
  for await (const v of readAhead(source, 2)) {
    consumed++;
    assert.equal(v, consumed - 1);
    // Give the producer plenty of time to run ahead while this item is "rendered".
    for (let i = 0; i < 10; i++) await tick();
    maxAhead = Math.max(maxAhead, state.started - consumed);
  }
  assert.equal(consumed, 20);
  assert.equal(maxAhead, 2);
});

test('readAhead actually reads ahead (the producer works while the consumer does)', async () => {
  const { source, state } = counting(5);
  const it = readAhead(source, 2)[Symbol.asyncIterator]();
  await it.next();
  for (let i = 0; i < 10; i++) await tick();
  assert.equal(state.started, 3);
  await it.return(undefined);
});

test('readAhead surfaces an error at its position, after the items before it', async () => {
  const { source, state } = counting(10, 3);
  const out: number[] = [];
  await assert.rejects(async () => {
    for await (const v of readAhead(source, 2)) out.push(v);
  }, /item 3 failed/);
  assert.deepEqual(out, [0, 1, 2]);
  assert.equal(state.closed, true);
});

test('readAhead closes the source when the consumer stops early, without unhandled rejections', async () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown) => unhandled.push(e);
  process.on('unhandledRejection', onUnhandled);
  try {
    const { source, state } = counting(100);
    for await (const v of readAhead(source, 3)) {
      if (v === 4) break;
    }
    assert.equal(state.closed, true);
    assert.ok(state.started <= 8, `started ${state.started}`);
    // An item requested ahead fails after the consumer has stopped: nothing may surface.
    const failing = counting(10, 2);
    await assert.rejects(async () => {
      for await (const v of readAhead(failing.source, 3)) {
        if (v === 1) throw new Error('consumer stopped');
      }
    }, /consumer stopped/);
    assert.equal(failing.state.closed, true);
    for (let i = 0; i < 5; i++) await tick();
    assert.deepEqual(unhandled, []);
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
});

test('readAhead rejects a negative depth; depth 0 requests nothing ahead', async () => {
  const { source } = counting(1);
  await assert.rejects(() => readAhead(source, -1).next(), /depth/);
  const c = counting(3);
  const seen: number[] = [];
  // Each item is started only when the consumer asks for it: item k arrives with k + 1 started.
  for await (const v of readAhead(c.source, 0)) seen.push(v, c.state.started);
  assert.deepEqual(seen, [0, 1, 1, 2, 2, 3]);
});

test('readAheadDepth: nothing ahead on two cores or fewer, two samples above', () => {
  assert.deepEqual([1, 2, 3, 16].map(readAheadDepth), [0, 0, 2, 2]);
});
