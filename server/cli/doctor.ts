// `livegate doctor`: one line per prerequisite (models, store, migrations, write access, signing
// key, clock, ports, public URL, secure context, TLS, capture page), each failure with its fix;
// exit code 1 when any check fails.
import type { Command } from 'commander';
import type { Config, ConfigInput } from '../config.ts';
import {
  checkCapturePage, checkClock, checkModels, checkPorts, checkPublicUrl, checkSigningKey, checkStore, checkTls,
  DEFAULT_CAPTURE_DIST, type DoctorCheck, type DoctorContext,
} from './doctor-checks.ts';

export type { DoctorCheck } from './doctor-checks.ts';

export const EXIT_DOCTOR_FAILED = 1;

export interface DoctorOptions {
  env?: NodeJS.ProcessEnv;
  now?: () => number;
  manifestPath?: string;
  captureDist?: string;
  maxSkewMs?: number;
}

export async function runDoctor(config: Config, options: DoctorOptions = {}): Promise<DoctorCheck[]> {
  const ctx: DoctorContext = {
    config,
    env: options.env ?? process.env,
    now: options.now ?? Date.now,
    manifestPath: options.manifestPath,
    captureDist: options.captureDist ?? DEFAULT_CAPTURE_DIST,
    maxSkewMs: options.maxSkewMs ?? 5000,
    store: null,
    schemaVersion: null,
    serving: false,
  };
  const checks: DoctorCheck[] = [];
  try {
    checks.push(await checkModels(ctx));
    checks.push(...(await checkStore(ctx)));
    checks.push(await checkSigningKey(ctx));
    checks.push(await checkClock(ctx));
    checks.push(...(await checkPorts(ctx)));
    checks.push(...(await checkPublicUrl(ctx)));
    const tls = checkTls(ctx);
    if (tls) checks.push(tls);
    checks.push(checkCapturePage(ctx));
  } finally {
    await ctx.store?.close().catch(() => undefined);
  }
  return checks;
}

const LABEL = { ok: 'ok  ', warn: 'warn', fail: 'FAIL' } as const;

export function formatCheck(check: DoctorCheck): string {
  return `${LABEL[check.status]}  ${check.name}: ${check.detail}${check.fix ? ` -> fix: ${check.fix}` : ''}`;
}

interface DoctorFlags {
  data?: string;
  databaseUrl?: string;
  models?: string;
  port?: string;
  host?: string;
  publicUrl?: string;
  tlsCert?: string;
  tlsKey?: string;
  json?: boolean;
}

export function register(program: Command, deps: { configFrom(flags: { data?: string; databaseUrl?: string } & ConfigInput): Config }): void {
  program
    .command('doctor')
    .description('check every prerequisite (models, store, migrations, signing key, clock, ports, public URL, TLS, capture page); one line each with the fix; exit 1 on a failure')
    .option('--data <dir>', 'data directory [env LIVEGATE_DATA, default ./data]')
    .option('--database-url <url>', 'PostgreSQL URL instead of SQLite [env DATABASE_URL]')
    .option('--models <dir>', 'model directory [env LIVEGATE_MODELS, default ./models]')
    .option('--port <port>', 'port the server listens on [env LIVEGATE_PORT, default 8787]')
    .option('--host <host>', 'interface the server listens on [env LIVEGATE_HOST, default 127.0.0.1]')
    .option('--public-url <url>', 'URL people and agents reach the server at [env LIVEGATE_PUBLIC_URL]')
    .option('--tls-cert <file>', 'PEM certificate for direct TLS [env LIVEGATE_TLS_CERT]')
    .option('--tls-key <file>', 'PEM private key for direct TLS [env LIVEGATE_TLS_KEY]')
    .option('--json', 'print the checks as JSON')
    .action(async (flags: DoctorFlags) => {
      const { models, json, ...rest } = flags;
      const config = deps.configFrom({ ...rest, modelsDir: models, logLevel: 'silent' });
      const checks = await runDoctor(config);
      if (json) process.stdout.write(`${JSON.stringify(checks)}\n`);
      else for (const check of checks) process.stdout.write(`${formatCheck(check)}\n`);
      const failed = checks.filter((c) => c.status === 'fail').length;
      if (!json) process.stdout.write(failed ? `\n${failed} check(s) failed.\n` : '\nAll checks passed.\n');
      process.exitCode = failed ? EXIT_DOCTOR_FAILED : 0;
    });
}
