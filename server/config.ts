// The one place that reads settings: environment (LIVEGATE_*, DATABASE_URL) and CLI flags,
// validated with zod and handed down as a typed Config. Flags win over the environment.
import path from 'node:path';
import { z } from 'zod';

const bool = z
  .union([z.boolean(), z.enum(['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off'])])
  .transform((v) => v === true || v === '1' || v === 'true' || v === 'yes' || v === 'on');

/**
 * LIVEGATE_TRUST_PROXY: whom to believe about the client address (X-Forwarded-For). On (1, true)
 * means the one proxy in front: the address it appended, never one a client wrote into the header
 * itself. A number trusts that many proxy hops; a comma-separated list trusts those proxy
 * addresses or CIDR ranges. Off by default: the socket address.
 */
const trustProxy = z
  .union([z.boolean(), z.number(), z.string()])
  .transform((v, ctx): false | number | string[] => {
    if (v === true) return 1;
    if (v === false) return false;
    const text = String(v).trim().toLowerCase();
    if (['1', 'true', 'yes', 'on'].includes(text)) return 1;
    if (['0', 'false', 'no', 'off'].includes(text)) return false;
    if (/^\d+$/.test(text)) return Number(text);
    const list = text.split(',').map((a) => a.trim()).filter(Boolean);
    if (list.length > 0 && list.every((a) => /^[0-9a-f.:]+(\/\d{1,3})?$/.test(a))) return list;
    ctx.addIssue({ code: 'custom', message: 'use 1 (the proxy in front), a number of proxy hops, or comma-separated proxy addresses/CIDRs' });
    return z.NEVER;
  });

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
    identityRetentionS: z.coerce.number().int().min(60),
    webhookHistoryS: z.coerce.number().int().min(60),
    bodyLimitBytes: z.coerce.number().int().positive(),
    lockoutFailures: z.coerce.number().int().positive(),
    lockoutWindowS: z.coerce.number().int().positive(),
    lockoutDurationS: z.coerce.number().int().positive(),
    lab: bool,
    trustProxy,
    allowedHosts: z.array(z.string()).optional(),
    webhookAllowPrivate: bool,
    kekFile: z.string().min(1).optional().describe('File holding the key-encryption key (base64, one per line, newest first)'),
    tlsCert: z.string().min(1).optional().describe('PEM certificate (chain) for direct TLS'),
    tlsKey: z.string().min(1).optional().describe('PEM private key for direct TLS'),
    metricsPort: z.coerce.number().int().min(0).max(65535).optional().describe('Also serve GET /metrics without an API key on this port'),
  })
  .refine((c) => (c.tlsCert === undefined) === (c.tlsKey === undefined), {
    path: ['tlsKey'],
    message: 'direct TLS needs both a certificate and a key (--tls-cert and --tls-key)',
  })
  .transform((c) => ({
    ...c,
    dataDir: path.resolve(c.dataDir),
    modelsDir: path.resolve(c.modelsDir),
    kekFile: c.kekFile === undefined ? undefined : path.resolve(c.kekFile),
    tlsCert: c.tlsCert === undefined ? undefined : path.resolve(c.tlsCert),
    tlsKey: c.tlsKey === undefined ? undefined : path.resolve(c.tlsKey),
    publicUrl: c.publicUrl ?? `${c.tlsCert ? 'https' : 'http'}://${c.host.includes(':') ? `[${c.host}]` : c.host}:${c.port}`,
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
  identityRetentionS: 365 * 24 * 3600,
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
const ENV_NAMES: Record<keyof typeof DEFAULTS | 'publicUrl' | 'databaseUrl' | 'allowedHosts' | 'kekFile' | 'tlsCert' | 'tlsKey' | 'metricsPort', string> = {
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
  identityRetentionS: 'LIVEGATE_IDENTITY_RETENTION',
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
  tlsCert: 'LIVEGATE_TLS_CERT',
  tlsKey: 'LIVEGATE_TLS_KEY',
  metricsPort: 'LIVEGATE_METRICS_PORT',
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

/** The environment's value of one setting, when set (to tell it from a default). */
export function envSetting(key: 'modelsDir' | 'publicUrl', env: NodeJS.ProcessEnv = process.env): string | undefined {
  const value = env[ENV_NAMES[key]];
  return value === undefined || value === '' ? undefined : value;
}

/**
 * Reads one secret from the environment, kept out of Config so it is never passed around or
 * printed with it: the API key for `mcp --url`, the key-encryption keys (server/crypto/kek-source.ts).
 */
export function readEnvSecret(name: 'LIVEGATE_API_KEY' | 'LIVEGATE_KEK' | 'LIVEGATE_KEK_PREVIOUS', env: NodeJS.ProcessEnv = process.env): string | undefined {
  const value = env[name];
  return value === undefined || value === '' ? undefined : value;
}
