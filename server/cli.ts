// The `livegate` command line. Every command validates its settings through config.ts.
import { Command, Option } from 'commander';
import { createApiKey, parseScopes, type AuthContext } from './auth/api-keys.ts';
import { createKeyring } from './attestation/keyring.ts';
import { DEFAULT_TENANT_ID, ensureDefaultTenant } from './bootstrap.ts';
import { register as registerDoctor } from './cli/doctor.ts';
import { register as registerKek } from './cli/kek.ts';
import { register as registerModels } from './cli/models.ts';
import { register as registerVerifyToken } from './cli/verify-token.ts';
import { ConfigError, envSetting, loadConfig, type Config, type ConfigInput } from './config.ts';
import { loadSecretBox } from './crypto/kek-source.ts';
import type { SecretBox } from './crypto/kek.ts';
import { AppError } from './errors.ts';
import { forgetUser } from './identity/forget.ts';
import { openStore } from './store/index.ts';
import { createPolicyService } from './policies/service.ts';
import { createTenantFloorService, type TenantFloorService } from './policies/tenant-floor.ts';
import { ALL_SCOPES, type Store } from './store/types.ts';
import { VERSION } from './version.ts';

interface StoreFlags {
  data?: string;
  databaseUrl?: string;
}

const dataOption = () => new Option('--data <dir>', 'data directory (SQLite file, local state) [env LIVEGATE_DATA, default ./data]');
const databaseOption = () => new Option('--database-url <url>', 'PostgreSQL URL instead of SQLite [env DATABASE_URL]');

function configFrom(flags: StoreFlags & ConfigInput): Config {
  const { data, databaseUrl, ...rest } = flags as StoreFlags & Record<string, unknown>;
  return loadConfig({ ...rest, dataDir: data, databaseUrl } as ConfigInput);
}

const notice = (message: string) => process.stderr.write(`livegate: ${message}\n`);

function openStoreFor(config: Config): Promise<Store> {
  return openStore({ dataDir: config.dataDir, databaseUrl: config.databaseUrl, notice });
}

async function withStore<T>(flags: StoreFlags, fn: (store: Store, config: Config) => Promise<T>): Promise<T> {
  const config = configFrom(flags);
  const store = await openStoreFor(config);
  try {
    return await fn(store, config);
  } finally {
    await store.close();
  }
}

/** withStore for commands that read or write sealed secrets: the key-encryption key is loaded first. */
async function withSecrets<T>(flags: StoreFlags, fn: (store: Store, config: Config, secrets: SecretBox) => Promise<T>): Promise<T> {
  const config = configFrom(flags);
  const { box } = loadSecretBox(config, undefined, notice);
  return withStore(flags, (store) => fn(store, config, box));
}

export function buildProgram(): Command {
  const program = new Command()
    .name('livegate')
    .description('Self-hostable face liveness for AI agents')
    .version(VERSION)
    .showHelpAfterError();

  program
    .command('start')
    .description('run the server: REST API, verification page, MCP endpoint')
    .addOption(dataOption())
    .addOption(databaseOption())
    .option('--port <port>', 'port [env LIVEGATE_PORT, default 8787]')
    .option('--host <host>', 'interface to listen on [env LIVEGATE_HOST, default 127.0.0.1]')
    .option('--public-url <url>', 'URL people and agents reach this server at [env LIVEGATE_PUBLIC_URL]')
    .option('--models <dir>', 'model directory [env LIVEGATE_MODELS, default ./models]')
    .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent [env LIVEGATE_LOG_LEVEL]')
    .option('--lab', 'serve the /lab development page [env LIVEGATE_LAB]')
    .option('--tls-cert <file>', 'PEM certificate (chain) to serve HTTPS directly [env LIVEGATE_TLS_CERT]')
    .option('--tls-key <file>', 'PEM private key of that certificate [env LIVEGATE_TLS_KEY]')
    .option('--metrics-port <port>', 'also serve GET /metrics without an API key on this port [env LIVEGATE_METRICS_PORT]')
    .action(async (flags: StoreFlags & { port?: string; host?: string; publicUrl?: string; models?: string; logLevel?: string; lab?: boolean; tlsCert?: string; tlsKey?: string; metricsPort?: string }) => {
      const { models, ...rest } = flags;
      const config = configFrom({ ...rest, modelsDir: models });
      const { startServer } = await import('./server.ts');
      await startServer(config);
    });

  const keys = program.command('keys').description('API keys and signing keys');
  keys
    .command('create')
    .description('create an API key (shown once)')
    .requiredOption('--name <name>', 'a label for the key')
    .option('--scopes <list>', 'comma-separated: session:write,session:read,session:audit,policy:write,metrics:read (default: all)')
    .option('--tenant <id>', `tenant id (default: ${DEFAULT_TENANT_ID}, created if the store is empty)`)
    .option('--json', 'print {"id","key","scopes","tenant"} as JSON')
    .addOption(dataOption())
    .addOption(databaseOption())
    .action(async (flags: StoreFlags & { name: string; scopes?: string; tenant?: string; json?: boolean }) => {
      await withStore(flags, async (store) => {
        if (!flags.tenant) await ensureDefaultTenant(store).then(() => undefined);
        const created = await createApiKey(store, { name: flags.name, scopes: parseScopes(flags.scopes), tenantId: flags.tenant ?? DEFAULT_TENANT_ID });
        if (flags.json) {
          process.stdout.write(`${JSON.stringify(created)}\n`);
        } else {
          process.stdout.write(`Created key ${created.id} for tenant ${created.tenant} (scopes: ${created.scopes.join(',') || 'all'}).\n`);
          process.stdout.write(`It is shown only now:\n\n  ${created.key}\n\n`);
        }
      });
    });
  keys
    .command('list')
    .description('list API keys (never the secrets)')
    .option('--tenant <id>', 'only this tenant')
    .option('--json', 'print JSON')
    .addOption(dataOption())
    .addOption(databaseOption())
    .action(async (flags: StoreFlags & { tenant?: string; json?: boolean }) => {
      await withStore(flags, async (store) => {
        const rows = await store.listApiKeys(flags.tenant);
        const view = rows.map((r) => ({
          id: r.id,
          name: r.name,
          tenant: r.tenant_id,
          scopes: r.scopes.length ? r.scopes : ['all'],
          created_at: new Date(r.created_at).toISOString(),
          last_used_at: r.last_used_at ? new Date(r.last_used_at).toISOString() : null,
          revoked: r.revoked_at !== null,
        }));
        if (flags.json) process.stdout.write(`${JSON.stringify(view)}\n`);
        else if (view.length === 0) process.stdout.write('No API keys.\n');
        else for (const k of view) process.stdout.write(`${k.id}  ${k.tenant}  ${k.name}  ${k.scopes.join(',')}  ${k.revoked ? 'REVOKED' : 'active'}  last used ${k.last_used_at ?? 'never'}\n`);
      });
    });
  keys
    .command('revoke')
    .description('revoke an API key')
    .argument('<id>', 'key id (from keys list)')
    .addOption(dataOption())
    .addOption(databaseOption())
    .action(async (id: string, flags: StoreFlags) => {
      await withStore(flags, async (store) => {
        if (!(await store.revokeApiKey(id, Date.now()))) throw new AppError('api_key_not_found', `No active key "${id}".`);
        process.stdout.write(`Revoked key ${id}.\n`);
      });
    });
  keys
    .command('rotate-signing')
    .description('add a new attestation signing key: published in the JWKS now, signing after the delay')
    .option('--activate-in <seconds>', 'seconds before the new key signs (default: LIVEGATE_SIGNING_KEY_ACTIVATION_DELAY or 300)')
    .addOption(dataOption())
    .addOption(databaseOption())
    .action(async (flags: StoreFlags & { activateIn?: string }) => {
      await withSecrets(flags, async (store, config, secrets) => {
        const keyring = createKeyring(store, { secrets, tokenTtlS: config.attestationTtlS, activationDelayS: config.signingKeyActivationDelayS });
        await keyring.ensureKey();
        const activateInS = flags.activateIn === undefined ? undefined : Number(flags.activateIn);
        if (activateInS !== undefined && !(Number.isInteger(activateInS) && activateInS >= 0)) {
          throw new AppError('invalid_request', '--activate-in takes a whole number of seconds.');
        }
        const row = await keyring.rotate({ activateInS });
        process.stdout.write(`New signing key ${row.kid}: in the JWKS now, signing from ${new Date(row.activates_at).toISOString()}.\n`);
      });
    });

  registerPolicyFloor(program);
  registerBranding(program);
  registerVerifyToken(program);
  registerModels(program);
  registerKek(program, { configFrom, openStoreFor });
  registerDoctor(program, { configFrom });
  registerUsers(program);
  registerMcpCommand(program);
  return program;
}

function registerPolicyFloor(program: Command): void {
  const floor = program.command('policy-floor').description("a tenant's policy floor: minimums every session's policy must meet");
  const run = async (flags: StoreFlags & { tenant?: string }, fn: (service: TenantFloorService, auth: AuthContext) => Promise<unknown>) =>
    withStore(flags, async (store) => {
      const tenantId = flags.tenant ?? DEFAULT_TENANT_ID;
      if (!(await store.getTenant(tenantId))) throw new AppError('invalid_request', `Tenant "${tenantId}" does not exist.`);
      // The operator at the shell acts as the tenant with every scope (like `keys create`).
      const view = await fn(createTenantFloorService({ store }), { tenantId, keyId: 'cli', scopes: ALL_SCOPES });
      process.stdout.write(`${JSON.stringify(view, null, 2)}\n`);
    });
  floor
    .command('show')
    .description('print the floor and what it means per risk level (JSON)')
    .option('--tenant <id>', `tenant id (default: ${DEFAULT_TENANT_ID})`)
    .addOption(dataOption())
    .addOption(databaseOption())
    .action((flags: StoreFlags & { tenant?: string }) => run(flags, (service, auth) => service.get(auth)));
  floor
    .command('set')
    .description('replace the floor, e.g. \'{"risk_level":"high","thresholds":{"min_score":70}}\' ({} clears it)')
    .argument('<json>', 'the floor as JSON: risk_level, required_checks, frame_count, capture_duration_ms, thresholds')
    .option('--tenant <id>', `tenant id (default: ${DEFAULT_TENANT_ID})`)
    .addOption(dataOption())
    .addOption(databaseOption())
    .action((json: string, flags: StoreFlags & { tenant?: string }) => {
      let value: unknown;
      try {
        value = JSON.parse(json);
      } catch (err) {
        throw new AppError('invalid_request', `The floor is not valid JSON: ${(err as Error).message}.`);
      }
      return run(flags, (service, auth) => service.set(auth, value));
    });
}

function registerUsers(program: Command): void {
  const users = program.command('users').description("people known by user_identifier: their face templates (identity check)");
  users
    .command('forget <user_identifier>')
    .description("delete the user's face templates (audited); the next identity session enrols again")
    .option('--tenant <id>', `tenant id (default: ${DEFAULT_TENANT_ID})`)
    .option('--json', 'print {"user_identifier","templates_deleted"} as JSON')
    .addOption(dataOption())
    .addOption(databaseOption())
    .action(async (userIdentifier: string, flags: StoreFlags & { tenant?: string; json?: boolean }) => {
      await withStore(flags, async (store) => {
        const result = await forgetUser({ store }, { tenantId: flags.tenant ?? DEFAULT_TENANT_ID, by: 'cli' }, userIdentifier);
        if (flags.json) process.stdout.write(`${JSON.stringify(result)}\n`);
        else process.stdout.write(`Deleted ${result.templates_deleted} face template(s) of ${JSON.stringify(userIdentifier)}.\n`);
      });
    });
}

function registerBranding(program: Command): void {
  type Flags = StoreFlags & { tenant?: string; name?: string; logo?: string; accent?: string; clear?: boolean };
  program
    .command('branding')
    .description("set a stored policy's branding on the verification page: name, logo, accent colour (prints the policy)")
    .argument('<policy_id>', 'the stored policy (pol_…) whose sessions show this branding')
    .option('--name <text>', 'display name')
    .option('--logo <url>', 'logo: a base64 data:image URL or an http(s) URL on the Livegate origin')
    .option('--accent <hex>', 'accent colour, #rgb or #rrggbb')
    .option('--clear', 'remove the branding')
    .option('--tenant <id>', `tenant id (default: ${DEFAULT_TENANT_ID})`)
    .addOption(dataOption())
    .addOption(databaseOption())
    .action((policyId: string, flags: Flags) =>
      withStore(flags, async (store) => {
        const branding = flags.clear ? null : { name: flags.name ?? null, logo_url: flags.logo ?? null, accent_color: flags.accent ?? null };
        const auth: AuthContext = { tenantId: flags.tenant ?? DEFAULT_TENANT_ID, keyId: 'cli', scopes: ALL_SCOPES };
        const view = await createPolicyService({ store }).update(auth, policyId, { config: { branding } });
        process.stdout.write(`${JSON.stringify(view, null, 2)}\n`);
      }),
    );
}

function registerMcpCommand(program: Command): void {
  program
    .command('mcp')
    .description('MCP server over stdio (embedded store, or --url to drive a remote Livegate)')
    .addOption(dataOption())
    .addOption(databaseOption())
    .option('--url <url>', 'remote Livegate base URL (needs LIVEGATE_API_KEY)')
    .option('--serve', 'embedded: also serve the verification page, API and /mcp over HTTP, as `livegate start` does')
    .option('--port <port>', 'with --serve: port [env LIVEGATE_PORT, default 8787]')
    .option('--host <host>', 'with --serve: interface to listen on [env LIVEGATE_HOST, default 127.0.0.1]')
    .option('--public-url <url>', 'URL people reach the page at [env LIVEGATE_PUBLIC_URL]')
    .option('--models <dir>', 'model directory [env LIVEGATE_MODELS, default: the models/ of this installation]')
    .action(async (flags: StoreFlags & { url?: string; serve?: boolean; port?: string; host?: string; publicUrl?: string; models?: string }) => {
      if (flags.url && flags.serve) throw new AppError('invalid_request', '--serve runs an embedded server; it cannot be combined with --url.', { hint: 'Drop --url to serve from the local store, or drop --serve to drive the remote server.' });
      const { installedModelsDir, runStdio } = await import('./mcp/stdio.ts');
      const { url, serve, models, ...rest } = flags;
      // Models of the installation unless named: clients start this from any directory.
      const modelsDir = models ?? envSetting('modelsDir') ?? installedModelsDir();
      const publicUrlExplicit = Boolean(flags.publicUrl ?? envSetting('publicUrl'));
      // Logs stay off: stdout carries only JSON-RPC.
      await runStdio({ url, serve, publicUrlExplicit, config: configFrom({ ...rest, modelsDir, logLevel: 'silent' }) });
    });
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    if (err instanceof ConfigError || err instanceof AppError) {
      process.stderr.write(`livegate: ${err.message}\n`);
      if (err instanceof AppError) process.stderr.write(`  next step: ${err.hint}\n`);
      process.exitCode = 2;
      return;
    }
    const code = (err as { code?: string }).code;
    if (code === 'unavailable' || code === 'migration_failed' || code === 'listen_failed' || code === 'tls_invalid' || (typeof code === 'string' && code.startsWith('kek_'))) {
      process.stderr.write(`livegate: ${(err as Error).message}\n`);
      process.exitCode = 1;
      return;
    }
    throw err;
  }
}

await main(process.argv);
