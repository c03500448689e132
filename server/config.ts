// The one place that reads settings: environment (LIVEGATE_*, DATABASE_URL) and CLI flags,
// validated with zod and handed down as a typed Config. Flags win over the environment.
import path from 'node:path';
import { z } from 'zod';

const bool = z
  .union([z.boolean(), z.enum(['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off'])])
  .transform((v) => v === true || v === '1' || v === 'true' || v === 'yes' || v === 'on');

export const ConfigSchema = z
  .object({
    dataDir: z.string().min(1).describe('Directory for the SQLite file and other local state'),
    port: z.coerce.number().int().min(0).max(65535),
    host: z.string().min(1),
    publicUrl: z
      .string()
      .url()
      .transform((u) => u.replace(/\/+$/, ''))
      .optional(),
    databaseUrl: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'DATABASE_URL must start with postgres:// or postgresql://')
      .optional(),
    modelsDir: z.string().min(1),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    apiRateLimitPerMin: z.coerce.number().int().positive(),
    mcpRateLimitPerMin: z.coerce.number().int().positive(),
    mcpMaxSessionsPerKey: z.coerce.number().int().positive(),
    mcpMaxSessionsPerTenant: z.coerce.number().int().positive(),
    captureRateLimitPerMin: z.coerce.number().int().positive(),
    sweepIntervalMs: z.coerce.number().int().positive(),
    attestationTtlS: z.coerce.number().int().min(60).max(30 * 24 * 3600),
    signingKeyActivationDelayS: z.coerce.number().int().min(0),
    evidenceRetentionS: z.coerce.number().int().min(0),
    replayWindowS: z.coerce.number().int().min(0),
    webhookHistoryS: z.coerce.number().int().min(60),
    bodyLimitBytes: z.coerce.number().int().positive(),
    lockoutFailures: z.coerce.number().int().positive(),
    lockoutWindowS: z.coerce.number().int().positive(),
    lockoutDurationS: z.coerce.number().int().positive(),
    lab: bool,
    trustProxy: bool,
    allowedHosts: z.array(z.string()).optional(),
    webhookAllowPrivate: bool,
    kekFile: z.string().min(1).optional().describe('File holding the key-encryption key (base64, one per line, newest first)'),
  })
  .transform((c) => ({
    ...c,
    dataDir: path.resolve(c.dataDir),
    modelsDir: path.resolve(c.modelsDir),
    kekFile: c.kekFile === undefined ? undefined : path.resolve(c.kekFile),
    publicUrl: c.publicUrl ?? `http://${c.host.includes(':') ? `[${c.host}]` : c.host}:${c.port}`,
  }));

export type Config = z.output<typeof ConfigSchema>;
export type ConfigInput = Partial<Record<keyof z.input<typeof ConfigSchema>, unknown>>;

export const DEFAULTS = {
  dataDir: './data',
  port: 8787,
  host: '127.0.0.1',
  modelsDir: './models',
  logLevel: 'info',
  apiRateLimitPerMin: 6000,
  mcpRateLimitPerMin: 60,
  mcpMaxSessionsPerKey: 50,
  mcpMaxSessionsPerTenant: 200,
  captureRateLimitPerMin: 1200,
  sweepIntervalMs: 5000,
  attestationTtlS: 3600,
  signingKeyActivationDelayS: 300,
  evidenceRetentionS: 0,
  replayWindowS: 30 * 24 * 3600,
  webhookHistoryS: 30 * 24 * 3600,
  bodyLimitBytes: 1024 * 1024,
  lockoutFailures: 5,
  lockoutWindowS: 180,
  lockoutDurationS: 1800,
  lab: false,
  trustProxy: false,
  webhookAllowPrivate: false,
} as const satisfies ConfigInput;

/** Environment variable for each setting. */
const ENV_NAMES: Record<keyof typeof DEFAULTS | 'publicUrl' | 'databaseUrl' | 'allowedHosts' | 'kekFile', string> = {
  dataDir: 'LIVEGATE_DATA',
  port: 'LIVEGATE_PORT',
  host: 'LIVEGATE_HOST',
  publicUrl: 'LIVEGATE_PUBLIC_URL',
  databaseUrl: 'DATABASE_URL',
  modelsDir: 'LIVEGATE_MODELS',
  logLevel: 'LIVEGATE_LOG_LEVEL',
  apiRateLimitPerMin: 'LIVEGATE_API_RATE_LIMIT',
  mcpRateLimitPerMin: 'LIVEGATE_MCP_RATE_LIMIT',
  mcpMaxSessionsPerKey: 'LIVEGATE_MCP_MAX_SESSIONS_PER_KEY',
  mcpMaxSessionsPerTenant: 'LIVEGATE_MCP_MAX_SESSIONS_PER_TENANT',
  captureRateLimitPerMin: 'LIVEGATE_CAPTURE_RATE_LIMIT',
  sweepIntervalMs: 'LIVEGATE_SWEEP_INTERVAL_MS',
  attestationTtlS: 'LIVEGATE_ATTESTATION_TTL',
  signingKeyActivationDelayS: 'LIVEGATE_SIGNING_KEY_ACTIVATION_DELAY',
  evidenceRetentionS: 'LIVEGATE_EVIDENCE_RETENTION',
  replayWindowS: 'LIVEGATE_REPLAY_WINDOW',
  webhookHistoryS: 'LIVEGATE_WEBHOOK_HISTORY',
  bodyLimitBytes: 'LIVEGATE_BODY_LIMIT',
  lockoutFailures: 'LIVEGATE_LOCKOUT_FAILURES',
  lockoutWindowS: 'LIVEGATE_LOCKOUT_WINDOW',
  lockoutDurationS: 'LIVEGATE_LOCKOUT_DURATION',
  lab: 'LIVEGATE_LAB',
  trustProxy: 'LIVEGATE_TRUST_PROXY',
  allowedHosts: 'LIVEGATE_ALLOWED_HOSTS',
  webhookAllowPrivate: 'LIVEGATE_WEBHOOK_ALLOW_PRIVATE',
  kekFile: 'LIVEGATE_KEK_FILE',
};

export class ConfigError extends Error {
  readonly code = 'config_invalid';
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/**
 * Builds the config from defaults < environment < explicit values (CLI flags).
 * `env` is injected so tests never touch process.env.
 */
export function loadConfig(overrides: ConfigInput = {}, env: NodeJS.ProcessEnv = process.env): Config {
  const merged: Record<string, unknown> = { ...DEFAULTS };
  for (const [key, name] of Object.entries(ENV_NAMES)) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    merged[key] = key === 'allowedHosts' ? value.split(',').map((h) => h.trim()).filter(Boolean) : value;
  }
  for (const [key, value] of Object.entries(overrides)) {
    if (value !== undefined) merged[key] = value;
  }
  const parsed = ConfigSchema.safeParse(merged);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const key = issue.path.join('.') as keyof typeof ENV_NAMES;
      const source = ENV_NAMES[key] ? ` (flag or ${ENV_NAMES[key]})` : '';
      return `  ${key}${source}: ${issue.message}`;
    });
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

/**
 * Reads one secret from the environment, kept out of Config so it is never passed around or
 * printed with it: the API key for `mcp --url`, the key-encryption keys (server/crypto/kek-source.ts).
 */
export function readEnvSecret(name: 'LIVEGATE_API_KEY' | 'LIVEGATE_KEK' | 'LIVEGATE_KEK_PREVIOUS', env: NodeJS.ProcessEnv = process.env): string | undefined {
  const value = env[name];
  return value === undefined || value === '' ? undefined : value;
}
