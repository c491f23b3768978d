/**
 * Hardening, clear messages: error text never echoes file contents (10), images that cannot be decoded are
 * reported as image problems and BMP/TIFF/GIF/AVIF sources are read (11), template values out of range
 * name the template, the frame and the field (13). Every case runs the built CLI with a stand-in pack.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli, standinPack } from '../helpers/cli.js';
import { needsFfmpeg, needsShared } from '../helpers/shared.js';
import { readImage } from '../../src/io/image-file.js';
import { quoteUserText } from '../../src/validate.js';
import { D0, D8, S6, editedTemplate, ffmpeg, makeBadInputs, messageLines, tempDir } from './fixtures.js';

const skip = needsShared || needsFfmpeg;

test('quoteUserText quotes at most 40 characters, escapes control characters and marks a cut', () => {
  assert.equal(quoteUserText('abc'), "'abc'");
  assert.equal(quoteUserText('x'.repeat(100)), `'${'x'.repeat(40)}…'`);
  assert.equal(quoteUserText('a\nb\u0000\'"'), "'a\\nb\\u0000\\'\"'");
  assert.equal(quoteUserText(12), '12');
  assert.equal(quoteUserText(null), 'null');
  assert.ok(quoteUserText({ a: 'y'.repeat(500) }).length <= 43);
});

test('item 10: a template that is a link to /etc/passwd, or holds long strings, never has its contents echoed', { skip }, async () => {
  const pack = await standinPack();
  const bad = await makeBadInputs();
  const secret = 'S3CRET-'.repeat(20);
  const longFormat = await editedTemplate(bad.dir, 'format.json', (j) => (j.format = secret));
  const longValue = await editedTemplate(bad.dir, 'value.json', (j) => ((j.motion as Record<string, unknown>[])[2].scale = secret));
  const notJson = join(bad.dir, 'notjson.json');
  await writeFile(notJson, `${secret}\n${secret}\n`);
  const passwd = await readFile('/etc/passwd', 'utf8');
  for (const [template, pattern] of [
    [bad.passwdTemplate, /template .*motion\.json: not valid JSON/],
    [longFormat, /template .*format\.json: unknown format/],
    [longValue, /template .*value\.json frame 2: scale/],
    [notJson, /template .*notjson\.json: not valid JSON/],
  ] as const) {
    const out = join(bad.dir, 'never.mp4');
    const r = await runCli(['animate', '-i', S6, '-d', template, '--models', pack, '-o', out, '-q']);
    assert.notEqual(r.code, 0);
    const lines = messageLines(r.stderr);
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], pattern);
    assert.doesNotMatch(r.stderr, /root:x:0:0/, 'no line of /etc/passwd');
    for (const line of passwd.split('\n').filter((l) => l.length > 8)) assert.ok(!r.stderr.includes(line.slice(0, 12)), `echoed ${line}`);
    assert.ok(!r.stderr.includes(secret.slice(0, 41)), `more than 40 characters of a bad token: ${r.stderr}`);
  }
});

test('item 11: undecodable images are image problems; a file that is neither image nor video says so', { skip }, async () => {
  const pack = await standinPack();
  const bad = await makeBadInputs();
  const out = join(bad.dir, 'never.png');
  const cases: [string[], RegExp][] = [
    [['animate', '-i', bad.empty, '-d', D8], /--source .*empty\.jpg: the file is empty \(0 bytes\)/],
    [['animate', '-i', bad.text, '-d', D8], /cannot read image .*notes\.jpg: not a supported or intact image/],
    [['animate', '-i', bad.textData, '-d', D8], /--source .*notes\.dat is neither a readable image nor a video/],
    [['animate', '-i', bad.folder, '-d', D8], /--source .*folder\.png is a directory, not a file/],
    [['animate', '-i', bad.bomb, '-d', D8], /cannot read image .*bomb\.png: 60000x60000 pixels, over the input pixel limit of 268402689 pixels \(16383x16383\)/],
    [['animate', '-i', S6, '-d', bad.text], /cannot read image .*notes\.jpg: not a supported or intact image/],
    [['animate', '-i', S6, '-d', bad.animatedWebp, '-o', join(bad.dir, 'never.mp4')], /--driving .*anim\.webp is an animated WebP/],
    [['edit', '-i', bad.text, '--smile', '1'], /cannot read image .*notes\.jpg: not a supported or intact image/],
    [['edit', '-i', S6, '--from', bad.empty], /--from .*empty\.jpg: the file is empty \(0 bytes\)/],
    [['crop', '-i', D0], /cannot read image .*d0\.mp4: it is a video, not an image/],
  ];
  for (const [args, pattern] of cases) {
    const r = await runCli([...args, ...(args.includes('-o') ? [] : ['-o', out]), '--models', pack, ...(args[0] === 'crop' ? [] : ['-q'])]);
    assert.notEqual(r.code, 0, args.join(' '));
    const lines = messageLines(r.stderr);
    assert.equal(lines.length, 1, `one line for ${args.join(' ')}: ${r.stderr}`);
    assert.match(lines[0], pattern);
    assert.doesNotMatch(lines[0], /readable video/, args.join(' '));
  }
  assert.equal(existsSync(out), false);
  // An animated WebP source is read as its first frame.
  const still = join(bad.dir, 'from-webp.png');
  const r = await runCli(['animate', '-i', bad.animatedWebp, '-d', D8, '-o', still, '--models', pack, '-q']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual([(await readImage(still)).width, (await readImage(still)).height], [256, 256]);
});

test('BMP, TIFF, GIF (first frame) and AVIF sources made by ffmpeg are read as images', { skip }, async () => {
  const pack = await standinPack();
  const dir = await tempDir();
  const source = await readImage(S6);
  const even = [source.width - (source.width % 2), source.height - (source.height % 2)];
  const files = {
    bmp: join(dir, 's6.bmp'),
    tiff: join(dir, 's6.tiff'),
    gif: join(dir, 's6.gif'),
    avif: join(dir, 's6.avif'),
  };
  const png = join(dir, 's6-ffmpeg.png');
  ffmpeg(['-i', S6, png]);
  ffmpeg(['-i', S6, files.bmp]);
  ffmpeg(['-i', S6, files.tiff]);
  ffmpeg(['-loop', '1', '-i', S6, '-t', '0.5', '-r', '4', files.gif]);
  ffmpeg(['-i', S6, '-c:v', 'libaom-av1', '-still-picture', '1', '-cpu-used', '8', files.avif]);
  for (const [kind, file] of Object.entries(files)) {
    const decoded = await readImage(file);
    assert.deepEqual([decoded.width, decoded.height], [source.width, source.height], `${kind} decodes at full size`);
    const out = join(dir, `${kind}.png`);
    const r = await runCli(['animate', '-i', file, '-d', D8, '-o', out, '--models', pack, '-q']);
    assert.equal(r.code, 0, `${kind}: ${r.stderr}`);
    const img = await readImage(out);
    assert.deepEqual([img.width, img.height], even, `${kind} source animated as an image`);
  }
  // The BMP (which sharp cannot decode, so ffmpeg does) has exactly the pixels of a PNG ffmpeg made from the same JPEG.
  assert.deepEqual((await readImage(files.bmp)).data, (await readImage(png)).data);
  // An animated GIF driving video is still a video.
  const gifOut = join(dir, 'gif-driven.mp4');
  const r = await runCli(['animate', '-i', S6, '-d', files.gif, '-o', gifOut, '--models', pack, '-q']);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(Number(/\((\d+) frames at/.exec(r.stdout)?.[1]) > 1, `driven frame by frame: ${r.stdout}`);
});

test('item 13: template values out of range are one line naming the template, the frame and the field', { skip }, async () => {
  const pack = await standinPack();
  const dir = await tempDir();
  type Frame = Record<string, { data: number[] }>;
  const frames = (j: Record<string, unknown>) => j.motion as Frame[];
  const cases: [string, RegExp][] = [
    [await editedTemplate(dir, 'overflow.json', (j) => (frames(j)[4].scale.data[0] = 12345), (t) => t.replace('12345', '1e400')), /template .*overflow\.json frame 4: scale is too large to represent \(overflows\), expected a number above 0 and at most 100/],
    [await editedTemplate(dir, 'huge.json', (j) => (frames(j)[1].exp.data[7] = 1e300)), /template .*huge\.json frame 1: exp value 7 is 1e\+300, expected a number between -10 and 10/],
    [await editedTemplate(dir, 'zero.json', (j) => (frames(j)[0].scale.data[0] = 0)), /template .*zero\.json frame 0: scale is 0, expected a number above 0 and at most 100/],
    [await editedTemplate(dir, 'rot.json', (j) => (frames(j)[3].R_d.data[0] = 7)), /template .*rot\.json frame 3: R_d value 0 is 7, expected a number between -1\.01 and 1\.01/],
    [await editedTemplate(dir, 'fps.json', (j) => (j.output_fps = 5000)), /template .*fps\.json: output_fps is 5000, expected a frame rate above 0 and at most 1000/],
    [await editedTemplate(dir, 'fps0.json', (j) => (j.output_fps = 0)), /template .*fps0\.json: output_fps is 0, expected a frame rate above 0 and at most 1000/],
  ];
  for (const [template, pattern] of cases) {
    const out = join(dir, 'never.mp4');
    const r = await runCli(['animate', '-i', S6, '-d', template, '--models', pack, '-o', out, '-q']);
    assert.notEqual(r.code, 0, template);
    const lines = messageLines(r.stderr);
    assert.equal(lines.length, 1, `${template}: ${r.stderr}`);
    assert.match(lines[0], pattern);
    assert.doesNotMatch(lines[0], /null|Point coordinate|for fps/);
    assert.equal(existsSync(out), false);
  }
});
