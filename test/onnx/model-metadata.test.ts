import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GraphBuilder, decodeModel, modelMetadata } from '../../src/onnx/builder.js';
import { readModelHeaderInfo, readModelHeaderInfoAt } from '../../src/onnx/model-metadata.js';

test('metadata and doc string are read without decoding the graph, equal to a full decode', () => {
  const g = new GraphBuilder('m');
  const x = g.input('x', [1, 4]);
  g.initializer('big', new Float32Array(300_000).fill(0.5), [300_000]); // a long length-delimited field to skip
  g.node('Identity', [x], ['y']);
  g.output('y', [1, 4]);
  const bytes = g.build({ docString: 'a doc', metadata: { 'liveportrait.standin': 'true', other: 'ü value' } });
  const info = readModelHeaderInfo(bytes);
  assert.deepEqual(info.metadata, modelMetadata(decodeModel(bytes)));
  assert.deepEqual(info.metadata, { 'liveportrait.standin': 'true', other: 'ü value' });
  assert.equal(info.docString, 'a doc');
  assert.throws(() => readModelHeaderInfo(bytes.subarray(0, bytes.length - 3)), RangeError);
});

test('the header read through a file-like reader skips the graph and gives the same result', async () => {
  const g = new GraphBuilder('m');
  const x = g.input('x', [1, 4]);
  g.initializer('big', new Float32Array(300_000).fill(0.5), [300_000]);
  g.node('Identity', [x], ['y']);
  g.output('y', [1, 4]);
  const bytes = g.build({ docString: 'a doc', metadata: { 'liveportrait.standin': 'true', other: 'ü value' } });
  let read = 0;
  const readAt = async (offset: number, length: number) => {
    read += length;
    return bytes.slice(offset, Math.min(bytes.length, offset + length));
  };
  assert.deepEqual(await readModelHeaderInfoAt(readAt, bytes.length), readModelHeaderInfo(bytes));
  assert.ok(read < 1000, `read ${read} of ${bytes.length} bytes`);
  const cut = bytes.subarray(0, bytes.length - 3);
  await assert.rejects(() => readModelHeaderInfoAt(async (o, l) => cut.slice(o, o + l), cut.length), RangeError);
});
