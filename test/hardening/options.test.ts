/**
 * Hardening, early refusals: outputs checked before any model is loaded (12), conflicting or ignored
 * options (14), `edit --from` face indexes (15), Ctrl-C and FIFO/device inputs (17). Real CLI, stand-in pack.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { CLI, runCli, standinPack, type CliResult } from '../helpers/cli.js';
import { needsFfmpeg, needsShared, sharedPath } from '../helpers/shared.js';
import { readImage } from '../../src/io/image-file.js';
import { D0, D8, D5_TEMPLATE, S0, S6, ffmpeg, makeBadInputs, messageLines, tempDir } from './fixtures.js';

const skip = needsShared || needsFfmpeg;

function oneLine(r: CliResult, pattern: RegExp, what: string): void {
  assert.notEqual(r.code, 0, what);
  const lines = messageLines(r.stderr);
  assert.equal(lines.length, 1, `one line for ${what}: ${r.stderr}`);
  assert.match(lines[0], pattern, what);
}

test('item 12: output extensions and folders are refused before any model is loaded', { skip }, async () => {
  const pack = await standinPack();
  const dir = await tempDir();
  const folder = join(dir, 'existing');
  await mkdir(folder);
  const fileAsFolder = join(dir, 'plain-file');
  await writeFile(fileAsFolder, 'x');
  const cases: [string[], RegExp][] = [
    [['animate', '-i', S6, '-d', D0, '-o', join(dir, 'a.webm')], /--output '.*a\.webm': a video driver writes \.mp4, \.mov, \.mkv or a frame pattern such as DIR\/%04d\.png/],
    [['animate', '-i', S6, '-d', D0, '-o', join(dir, 'a.gif')], /--output '.*a\.gif': a video driver writes \.mp4/],
    [['animate', '-i', S6, '-d', D0, '-o', join(dir, 'a.txt')], /--output '.*a\.txt'/],
    [['animate', '-i', S6, '-d', D0, '-o', join(dir, 'noext')], /--output '.*noext': a video driver writes/],
    [['animate', '-i', S6, '-d', D0, '-o', folder], /--output '.*existing' is a directory: give a file name inside it/],
    [['animate', '-i', S6, '-d', D0, '-o', join(fileAsFolder, 'x.mp4')], /--output '.*x\.mp4': .*plain-file is a file, not a directory/],
    [['animate', '-i', S6, '-d', D8, '-o', join(dir, 'still.mp4')], /--output '.*still\.mp4': a driving image writes \.png, \.jpg, \.jpeg or \.webp/],
    [['animate', '-i', S6, '-d', D5_TEMPLATE, '-o', join(dir, 't.webm')], /--output '.*t\.webm': a motion template writes \.mp4/],
    [['template', '-d', D0, '-o', join(dir, 'motion.mp4')], /--output '.*motion\.mp4': a motion template is written as \.json/],
    [['template', '-d', D0, '-o', folder], /is a directory/],
    [['edit', '-i', S6, '--smile', '1', '-o', folder], /is a directory/],
    [['edit', '-i', S6, '--smile', '1', '-o', join(dir, 'e.gif')], /--output '.*e\.gif': edit writes \.png, \.jpg, \.jpeg or \.webp \(or \.mp4 with --frames\)/],
    [['crop', '-i', S6, '-o', folder], /is a directory/],
  ];
  for (const [args, pattern] of cases) {
    const r = await runCli([...args, '--models', pack]);
    oneLine(r, pattern, args.join(' '));
    assert.doesNotMatch(r.stderr, /stand-in models in use/, `refused before the models were loaded: ${args.join(' ')}`);
  }
  assert.deepEqual((await readdir(dir)).sort(), ['existing', 'plain-file']);
  assert.deepEqual(await readdir(folder), []);
});

test('item 14: conflicting options are refused; options that do not apply to the input are warned once', { skip }, async () => {
  const pack = await standinPack();
  const dir = await tempDir();
  const out = join(dir, 'out.png');
  const refused: [string[], RegExp][] = [
    [['animate', '-s', S6, '-i', S0, '-d', D8], /-s\/--source and -i\/--input are the same option: give one/],
    [['edit', '-s', S6, '-i', S6, '--smile', '1'], /-s\/--source and -i\/--input are the same option/],
    [['edit', '-i', S6, '--ratio', '0.5', '--smile', '1'], /--ratio applies to --from: give --from IMAGE or drop --ratio/],
    [['edit', '-i', S6, '--parts', 'mouth', '--smile', '1'], /--parts applies to --from/],
    [['animate', '-i', S6, '-d', D8, '--scale', '2', '--no-crop'], /--scale has no effect with --no-crop/],
    [['edit', '-i', S6, '--vy', '0', '--no-crop', '--smile', '1'], /--vy has no effect with --no-crop/],
    [['animate', '-i', S6, '-d', D8, '--driving-scale', '2', '--crop-driving', 'off'], /--driving-scale has no effect with --crop-driving off/],
  ];
  for (const [args, pattern] of refused) oneLine(await runCli([...args, '-o', out, '--models', pack, '-q']), pattern, args.join(' '));
  assert.equal(existsSync(out), false);
  const r = await runCli(['animate', '-i', S6, '-d', D8, '--smooth-variance', '1e-5', '--source-eye-retarget', '-o', out, '--models', pack, '-q']);
  assert.equal(r.code, 0, r.stderr);
  const warnings = messageLines(r.stderr).filter((l) => l.startsWith('warning:'));
  assert.equal(warnings.filter((l) => /--smooth-variance/.test(l)).length, 1, r.stderr);
  assert.match(warnings.join('\n'), /warning: --smooth-variance, --source-eye-retarget apply to a source video only: ignored for the image .*s6\.jpg/);
  const help = await runCli(['animate', '--help']);
  assert.match(help.stdout, /refused/);
});

test('item 15: edit --face-index picks the edited face only; the --from reference takes its largest face or --from-face-index', { skip }, async () => {
  const pack = await standinPack();
  const dir = await tempDir();
  const two = join(dir, 'two.jpg');
  ffmpeg(['-i', S6, '-i', S0, '-filter_complex', '[0]scale=512:512[a];[1]scale=512:512[b];[a][b]hstack', two]);
  const out = join(dir, 'edited.png');
  const r = await runCli(['edit', '-i', two, '--face-index', '1', '--from', D8, '--smile', '0.5', '-o', out, '--models', pack, '-q']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual([(await readImage(out)).width, (await readImage(out)).height], [1024, 512]);
  oneLine(
    await runCli(['edit', '-i', two, '--from', D8, '--from-face-index', '1', '-o', join(dir, 'never.png'), '--models', pack, '-q']),
    /Expected --from-face-index below 1 \(faces found in d8\.jpg, largest first\) but received 1/,
    '--from-face-index beyond the faces',
  );
  const r2 = await runCli(['edit', '-i', S6, '--from', two, '--from-face-index', '1', '-o', join(dir, 'second.png'), '--models', pack, '-q']);
  assert.equal(r2.code, 0, r2.stderr);
  oneLine(await runCli(['edit', '-i', S6, '--from-face-index', '1', '--smile', '1', '-o', out, '--models', pack]), /--from-face-index applies to --from/, 'without --from');
});

async function interruptedRun(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  let afterSignal = '';
  let signalled = false;
  await new Promise<void>((resolve) => {
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (signalled) afterSignal += d.toString();
      if (!signalled && /: (\d{2,})\//.test(stderr)) {
        signalled = true;
        child.kill('SIGINT');
        resolve();
      }
    });
    child.on('close', () => resolve());
  });
  const code = await new Promise<number | null>((r) => (child.exitCode !== null ? r(child.exitCode) : child.on('close', (c) => r(c))));
  return { code, stderr: afterSignal };
}

test('item 17: Ctrl-C prints one line `interrupted` and exits 130; FIFOs and devices are refused, not waited on', { skip }, async () => {
  const pack = await standinPack();
  const dir = await tempDir();
  for (const output of [join(dir, 'video.mp4'), join(dir, 'frames', '%04d.png')]) {
    const r = await interruptedRun(['animate', '-i', S6, '-d', sharedPath('samples/driving/d6.mp4'), '--models', pack, '-o', output]);
    assert.equal(r.code, 130, r.stderr);
    const lines = messageLines(r.stderr);
    assert.deepEqual(lines, ['liveportrait: interrupted'], `only the interrupted line after Ctrl-C: ${JSON.stringify(r.stderr)}`);
  }
  const bad = await makeBadInputs();
  const fifoTemplate = join(bad.dir, 'pipe.json');
  ffmpeg(['-version']);
  await new Promise<void>((resolve, reject) => spawn('mkfifo', [fifoTemplate]).on('close', (c) => (c === 0 ? resolve() : reject(new Error('mkfifo')))));
  const out = join(bad.dir, 'never.png');
  for (const [args, pattern] of [
    [['animate', '-i', bad.fifo, '-d', D8], /--source .*pipe\.jpg is a FIFO \(named pipe\), not a regular file/],
    [['animate', '-i', S6, '-d', '/dev/zero'], /--driving \/dev\/zero is a character device, not a regular file/],
    [['animate', '-i', S6, '-d', fifoTemplate], /--driving .*pipe\.json is a FIFO \(named pipe\), not a regular file/],
    [['edit', '-i', S6, '--from', bad.fifo], /--from .*pipe\.jpg is a FIFO/],
    [['crop', '-i', bad.fifo], /--input .*pipe\.jpg is a FIFO/],
  ] as [string[], RegExp][]) {
    const r = await Promise.race([
      runCli([...args, '-o', out, '--models', pack]),
      new Promise<CliResult>((resolve) => setTimeout(() => resolve({ code: -2, stdout: '', stderr: 'still running after 60 s (waiting on the FIFO)' }), 60_000).unref()),
    ]);
    oneLine(r, pattern, args.join(' '));
  }
});
