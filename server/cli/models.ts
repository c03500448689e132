// `livegate models fetch|verify|list`: bring model files in (mirror first, then upstream) and check them.
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { fetchModels, ModelsError, modelStatus, verifyModels, type FetchProgressEvent } from '../../models/fetch.ts';
import { DEFAULT_MANIFEST_PATH, DEFAULT_MODELS_DIR, loadManifest, ManifestError } from '../../models/manifest.ts';

export const EXIT_MODELS_FAILED = 1;

interface Io {
  stdout: NodeJS.WriteStream | NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

interface ListFlags {
  dir: string;
  manifest?: string;
}
interface FetchFlags extends ListFlags {
  mirror?: string;
  only?: string;
}
interface VerifyFlags extends ListFlags {
  json?: boolean;
}

export function register(program: Command): void {
  const models = program.command('models').description('fetch and verify the model files (models/models.json)');
  models
    .command('fetch')
    .description('copy models from a mirror directory or download them; every file is sha256-verified')
    .option('--mirror <dir>', 'directory holding model files by name, tried before the network (e.g. ../shared/models)')
    .option('--dir <dir>', 'where the models go', DEFAULT_MODELS_DIR)
    .option('--only <names>', 'comma-separated model names')
    .option('--manifest <file>', 'model manifest', DEFAULT_MANIFEST_PATH)
    .action(async (flags: FetchFlags) => {
      process.exitCode = await runModelsFetch(flags);
    });
  models
    .command('verify')
    .description('hash every model file against the manifest; non-zero exit on a missing or modified file')
    .option('--dir <dir>', 'models directory', DEFAULT_MODELS_DIR)
    .option('--json', 'print the result as JSON')
    .option('--manifest <file>', 'model manifest', DEFAULT_MANIFEST_PATH)
    .action(async (flags: VerifyFlags) => {
      process.exitCode = await runModelsVerify(flags);
    });
  models
    .command('list')
    .description('list the manifest with a quick presence check (size only)')
    .option('--dir <dir>', 'models directory', DEFAULT_MODELS_DIR)
    .option('--manifest <file>', 'model manifest', DEFAULT_MANIFEST_PATH)
    .action(async (flags: ListFlags) => {
      process.exitCode = await runModelsList(flags);
    });
}

export async function runModelsFetch(flags: FetchFlags, io: Io = process): Promise<number> {
  const progress = createProgressReporter(io);
  try {
    const results = await fetchModels({
      dir: flags.dir,
      manifest: await loadManifest(flags.manifest),
      ...(flags.mirror ? { mirror: flags.mirror } : {}),
      ...(flags.only ? { only: flags.only.split(',').map((s) => s.trim()) } : {}),
      onProgress: progress.onEvent,
    });
    progress.stop();
    const counts = results.reduce<Record<string, number>>((acc, r) => ((acc[r.status] = (acc[r.status] ?? 0) + 1), acc), {});
    io.stdout.write(`models ready in ${flags.dir}: ${Object.entries(counts).map(([k, v]) => `${v} ${k}`).join(', ')}\n`);
    return 0;
  } catch (err) {
    progress.stop();
    if (err instanceof ModelsError || err instanceof ManifestError) {
      io.stderr.write(`error: ${err.code}: ${err.message}\n`);
      return EXIT_MODELS_FAILED;
    }
    throw err;
  }
}

export async function runModelsVerify(flags: VerifyFlags, io: Io = process): Promise<number> {
  let checks;
  try {
    checks = await verifyModels(flags.dir, await loadManifest(flags.manifest));
  } catch (err) {
    if (err instanceof ManifestError) {
      io.stderr.write(`error: ${err.code}: ${err.message}\n`);
      return EXIT_MODELS_FAILED;
    }
    throw err;
  }
  // A required model must be present and intact; an optional one may be absent but never modified.
  const bad = checks.filter((c) => (c.present ? !c.sha256_ok : !c.optional));
  if (flags.json) {
    io.stdout.write(JSON.stringify({ ok: bad.length === 0, models: checks }, null, 2) + '\n');
  } else {
    for (const c of checks) {
      const state = !c.present ? (c.optional ? 'absent (optional)' : 'MISSING') : c.sha256_ok ? 'ok' : `MODIFIED (sha256 ${c.sha256})`;
      io.stdout.write(`${c.file.padEnd(46)} ${state}\n`);
    }
    if (bad.length > 0) io.stderr.write(`${bad.length} model file(s) missing or modified; run: livegate models fetch --mirror DIR\n`);
  }
  return bad.length === 0 ? 0 : EXIT_MODELS_FAILED;
}

export async function runModelsList(flags: ListFlags, io: Io = process): Promise<number> {
  let checks;
  try {
    checks = await modelStatus(flags.dir, await loadManifest(flags.manifest));
  } catch (err) {
    if (err instanceof ManifestError) {
      io.stderr.write(`error: ${err.code}: ${err.message}\n`);
      return EXIT_MODELS_FAILED;
    }
    throw err;
  }
  for (const c of checks) {
    const state = c.present ? (c.size_ok ? 'present' : 'wrong size') : c.optional ? 'absent (optional)' : 'missing';
    io.stdout.write(`${c.name.padEnd(18)} ${c.file.padEnd(46)} ${state}\n`);
  }
  return 0;
}

/** A progress bar per file on a terminal; one plain line per event otherwise (CI logs). */
function createProgressReporter(io: Io): { onEvent: (e: FetchProgressEvent) => void; stop: () => void } {
  const tty = Boolean((io.stdout as NodeJS.WriteStream).isTTY);
  if (!tty) {
    return {
      onEvent(e) {
        if (e.type === 'start') io.stdout.write(`${e.file}: ${e.source === 'mirror' ? 'copying from mirror' : 'downloading'}${e.total ? ` (${formatBytes(e.total)})` : ''}\n`);
        else if (e.type === 'done') io.stdout.write(`${e.file}: ${e.status}\n`);
        else if (e.type === 'warning') io.stderr.write(`warning: ${e.message}\n`);
      },
      stop() {},
    };
  }
  const bars = new cliProgress.MultiBar(
    {
      stream: io.stdout as NodeJS.WriteStream,
      format: ' {bar} {percentage}% | {file} | {value_fmt}/{total_fmt}',
      hideCursor: true,
      clearOnComplete: false,
      stopOnComplete: false,
    },
    cliProgress.Presets.shades_classic,
  );
  const active = new Map<string, cliProgress.SingleBar>();
  return {
    onEvent(e) {
      if (e.type === 'start') {
        active.set(e.model, bars.create(Math.max(e.total, 1), 0, { file: e.file, value_fmt: '0 B', total_fmt: formatBytes(e.total) }));
      } else if (e.type === 'progress') {
        const bar = active.get(e.model);
        if (bar) {
          if (e.total > 0) bar.setTotal(e.total);
          bar.update(e.bytes, { value_fmt: formatBytes(e.bytes) });
        }
      } else if (e.type === 'done') {
        const bar = active.get(e.model);
        if (bar) bar.stop();
        else bars.log(`${e.file}: ${e.status}\n`);
      } else {
        bars.log(`warning: ${e.message}\n`);
      }
    },
    stop() {
      bars.stop();
    },
  };
}

function formatBytes(n: number): string {
  if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(1)} MiB`;
  if (n >= 1 << 10) return `${(n / (1 << 10)).toFixed(0)} KiB`;
  return `${n} B`;
}
