/** `liveportrait models …`: list, download, verify, path (stand-ins and forge register here too). */
import { Command, Option } from 'commander';
import { packDirectory } from '../../models/paths.js';
import { openPackDirectory, resolveRole } from '../../models/pack-dir.js';
import { verifyPack, formatVerifyTable } from '../../models/verify.js';
import { downloadFile, DownloadError } from '../../models/download.js';
import { BUILTIN_PACKS, requiredRoleGroups } from '../../models/packs.js';
import { DEFAULTS, DETECTORS, type DetectorKind } from '../../settings.js';
import { ROLES, type Role } from '../../models/contract.js';
import { downloadReporter } from '../download-progress.js';
import { bundledModel } from '../../models/bundled.js';
import { onInterrupt } from '../../io/interrupt.js';
import { parseNumberOption } from '../../validate.js';

const modelsOption = () => new Option('--models <dir>', 'model pack directory (default: $LIVEPORTRAIT_HOME/models/<pack>, or the per-user cache)');
const packOption = () =>
  new Option('--pack <name>', 'built-in pack to use when the directory has no pack.json').choices(BUILTIN_PACKS.map((p) => p.name)).default('flp');

function parseRoles(text: string): Role[] {
  const roles = text.split(',').map((r) => r.trim()).filter(Boolean);
  for (const r of roles) {
    if (!(ROLES as readonly string[]).includes(r)) throw new Error(`Expected roles from ${ROLES.join(', ')} for --roles but received '${r}'`);
  }
  return roles as Role[];
}

export function registerModels(program: Command): Command {
  const models = program
    .command('models')
    .description('download, verify and inspect model packs (the ONNX files LivePortrait runs)')
    .addHelpText(
      'after',
      '\nThe default pack is the FasterLivePortrait ONNX layout (~619 MB with landmark.onnx); the YuNet face detector\nis bundled with the package.\n' +
        'Files are cached per user (override with $LIVEPORTRAIT_HOME or --models DIR) and verified by sha256.\n' +
        'InsightFace models (det_10g, 2d106det, SCRFD) are for non-commercial research use only and are not downloaded\n' +
        'unless asked for (--all or --roles).',
    );

  models
    .command('path')
    .description('print the directory a pack is read from')
    .addOption(modelsOption())
    .addOption(packOption())
    .action((opts: { models?: string; pack: string }) => {
      process.stdout.write(`${packDirectory(opts)}\n`);
    });

  models
    .command('list')
    .description('list the files of a pack: role, file, licence, size and whether it is present')
    .addOption(modelsOption())
    .addOption(packOption())
    .action(async (opts: { models?: string; pack: string }) => {
      const pack = await openPackDirectory(packDirectory(opts), opts.pack);
      process.stdout.write(`pack '${pack.manifest.name}' (${pack.manifest.kind}): ${pack.manifest.description}\ndirectory: ${pack.dir}\n`);
      for (const f of pack.manifest.files) {
        const found = await resolveRole(pack, f.role);
        const present = found?.entry.file === f.file;
        const size = f.sizeBytes ? `${(f.sizeBytes / 1e6).toFixed(1)} MB` : '';
        process.stdout.write(
          `${present ? '[x]' : '[ ]'} ${f.role.padEnd(16)} ${f.file.padEnd(42)} ${size.padStart(9)}  ${f.licence}${found?.bundled && present ? '  (bundled with the package)' : f.defaultDownload ? '' : '  (optional)'}${f.origin && f.origin !== 'real' ? `  ${f.origin.toUpperCase()}` : ''}\n`,
        );
      }
    });

  models
    .command('verify')
    .description('check every file of a pack: present, sha256 and input/output signature; prints a table')
    .addOption(modelsOption())
    .addOption(packOption())
    .addOption(new Option('--det <name>', 'the face detector whose models count as required (as for animate --det)').choices(DETECTORS).default(DEFAULTS.detector.kind))
    .option('--hash-only', 'skip loading each model to check its input/output names and shapes')
    .option('--json', 'print the result as JSON')
    .action(async (opts: { models?: string; pack: string; det: DetectorKind; hashOnly?: boolean; json?: boolean }) => {
      const pack = await openPackDirectory(packDirectory(opts), opts.pack);
      const reports = await verifyPack(pack, { hashOnly: opts.hashOnly });
      const missingRequired: string[] = [];
      for (const alternatives of requiredRoleGroups(opts.det)) {
        const ok = alternatives.some((roles) => roles.every((r) => reports.some((x) => x.entry.role === r && x.status !== 'missing')));
        if (!ok) missingRequired.push(alternatives.map((a) => a.join('+')).join(' or '));
      }
      const broken = reports.filter((r) => r.status === 'hash-mismatch' || r.status === 'bad-signature' || r.status === 'unreadable');
      if (opts.json) {
        process.stdout.write(
          `${JSON.stringify(
            {
              pack: pack.manifest.name,
              kind: pack.manifest.kind,
              dir: pack.dir,
              files: reports.map((r) => ({ role: r.entry.role, file: r.entry.file, status: r.status, sha256: r.sha256, sizeBytes: r.sizeBytes, detail: r.detail })),
              missingRequired,
            },
            null,
            2,
          )}\n`,
        );
      } else {
        process.stdout.write(`${formatVerifyTable(pack, reports)}\n`);
        if (missingRequired.length) process.stdout.write(`required for animation but missing: ${missingRequired.join(', ')}\n`);
        else if (!broken.length) process.stdout.write('all required roles are present and verified\n');
      }
      if (broken.length || missingRequired.length) process.exitCode = 1;
    });

  models
    .command('download')
    .description('download a pack into the per-user cache (or --models DIR): resumable, sha256-verified, atomic')
    .addOption(modelsOption())
    .addOption(packOption())
    .option('--all', 'also download the optional models (InsightFace: non-commercial; MediaPipe face mesh)')
    .option('--roles <list>', `only these roles, comma-separated (${ROLES.join(', ')})`, parseRoles)
    .option('--mirror <url>', 'download from this base URL instead of the published hosts (files are fetched as URL/FILE)')
    .addOption(
      new Option('--timeout <seconds>', 'give up on a server that sends nothing for this long')
        .argParser((t) => parseNumberOption('--timeout', t, 0.001, 3600))
        .default(DEFAULTS.download.idleTimeoutMs / 1000),
    )
    .option('-q, --quiet', 'no progress output')
    .action(async (opts: { models?: string; pack: string; all?: boolean; roles?: Role[]; mirror?: string; timeout: number; quiet?: boolean }) => {
      const pack = await openPackDirectory(packDirectory(opts), opts.pack);
      const wanted = pack.manifest.files.filter((f) => (opts.roles ? opts.roles.includes(f.role) : opts.all || f.defaultDownload));
      if (wanted.some((f) => /non-commercial/i.test(f.licence))) {
        process.stderr.write('note: InsightFace models are for non-commercial research use only.\n');
      }
      const bundled = wanted.filter((f) => bundledModel(f.role)?.entry.file === f.file);
      for (const f of bundled) if (!opts.quiet) process.stderr.write(`${f.file}: bundled with the package, not downloaded\n`);
      const fetched = wanted.filter((f) => !bundled.includes(f));
      const failures: string[] = [];
      const controller = new AbortController();
      const reporter = downloadReporter(opts.quiet);
      reporter.plan(fetched, pack.dir);
      let current: Promise<unknown> = Promise.resolve();
      // Ctrl-C: stop the transfer, let it release its lock, say how to resume; onInterrupt exits 130.
      const unregister = onInterrupt(async () => {
        controller.abort();
        await current.catch(() => undefined);
        reporter.stop();
        process.stderr.write('interrupted: run the command again to resume the download\n');
      });
      try {
        for (const entry of fetched) {
          try {
            current = downloadFile(pack.dir, entry, {
              mirror: opts.mirror,
              signal: controller.signal,
              idleTimeoutMs: opts.timeout * 1000,
              onProgress: (p) => reporter.onProgress(p),
            });
            const result = await current;
            reporter.onFile(entry, result as 'downloaded' | 'present');
          } catch (err) {
            reporter.stop();
            if (controller.signal.aborted) throw new Error('download interrupted; run the command again to resume');
            failures.push(err instanceof DownloadError ? err.message : `${entry.file}: ${(err as Error).message}`);
          }
        }
      } finally {
        reporter.stop();
        unregister();
      }
      if (failures.length) {
        throw new Error(
          `${failures.length} file(s) failed:\n${failures.join('\n')}\n` +
            `If this machine is offline, download the files elsewhere and put them in ${pack.dir}; \`liveportrait models verify\` checks them.`,
        );
      }
      process.stdout.write(`pack ready in ${pack.dir}\n`);
    });

  return models;
}
