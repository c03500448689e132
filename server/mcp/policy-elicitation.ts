// Form elicitation for create_policy: when fields are left out, ask once whether to override
// the defaults, then one form per group that has gaps (pre-filled with the defaults). Declining
// keeps the defaults; cancelling aborts. A client without form elicitation gets the defaults.
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { ElicitRequestFormParams, ElicitResult } from '@modelcontextprotocol/sdk/types.js';
import { CHECKS, defaultPolicy, FRAME_COUNTS, type PolicyConfig, type PolicyOverrides, type Thresholds } from '../policies/defaults.ts';

type Schema = ElicitRequestFormParams['requestedSchema'];
type Properties = Schema['properties'];

export type ElicitationOutcome =
  | { kind: 'not_needed' | 'unsupported' | 'kept_defaults' | 'answered'; overrides: PolicyOverrides }
  | { kind: 'cancelled' };

export function supportsFormElicitation(server: Server): boolean {
  const e = server.getClientCapabilities()?.elicitation as { form?: unknown; url?: unknown } | undefined;
  if (!e) return false;
  // An empty elicitation capability predates modes and means form.
  return e.form !== undefined || e.url === undefined;
}

export function supportsUrlElicitation(server: Server): boolean {
  const e = server.getClientCapabilities()?.elicitation as { url?: unknown } | undefined;
  return e?.url !== undefined;
}

const BASIC_FIELDS = ['risk_level', 'frame_count', 'max_attempts', 'timeout_s', 'capture_duration_ms'] as const;
const URL_FIELDS = ['success_redirect_url', 'failure_redirect_url'] as const;
const THRESHOLD_FIELDS = [
  'min_score',
  'pulse_min_snr_z',
  'cnn_min_live_probability',
  'light_challenge_min_score',
  'planarity_max_residual',
  'min_face_present_ratio',
] as const satisfies readonly (keyof Thresholds)[];
const THRESHOLD_RANGES: Record<(typeof THRESHOLD_FIELDS)[number], [number, number]> = {
  min_score: [0, 100],
  pulse_min_snr_z: [0, 20],
  cnn_min_live_probability: [0, 1],
  light_challenge_min_score: [0, 1],
  planarity_max_residual: [0, 1],
  min_face_present_ratio: [0, 1],
};

interface Group {
  key: 'basics' | 'checks' | 'thresholds' | 'urls';
  title: string;
  missing(given: PolicyOverrides): boolean;
  form(given: PolicyOverrides, defaults: PolicyConfig): { message: string; schema: Schema };
  apply(content: Record<string, unknown>, into: PolicyOverrides): void;
}

const GROUPS: Group[] = [
  {
    key: 'basics',
    title: 'risk level, frames, attempts, timeout',
    missing: (g) => BASIC_FIELDS.some((f) => g[f] === undefined),
    form(given, d) {
      const properties: Properties = {};
      if (given.risk_level === undefined) {
        properties.risk_level = { type: 'string', title: 'Risk level', enum: ['standard', 'high'], description: 'high adds the screen-light challenge', default: d.risk_level };
      }
      if (given.frame_count === undefined) {
        properties.frame_count = { type: 'string', title: 'CNN frames', enum: FRAME_COUNTS.map(String), description: 'Frames analysed per capture', default: String(d.frame_count) };
      }
      if (given.max_attempts === undefined) properties.max_attempts = { type: 'integer', title: 'Attempts per session', minimum: 1, maximum: 10, default: d.max_attempts };
      if (given.timeout_s === undefined) properties.timeout_s = { type: 'integer', title: 'Session timeout (s)', minimum: 30, maximum: 600, default: d.timeout_s };
      if (given.capture_duration_ms === undefined) {
        properties.capture_duration_ms = { type: 'integer', title: 'Capture length (ms)', minimum: 3000, maximum: 30000, default: d.capture_duration_ms };
      }
      return { message: 'Basics of the policy (pre-filled with the defaults).', schema: { type: 'object', properties } };
    },
    apply(c, into) {
      if (c.risk_level === 'standard' || c.risk_level === 'high') into.risk_level = c.risk_level;
      if (typeof c.frame_count === 'string') into.frame_count = Number(c.frame_count) as PolicyConfig['frame_count'];
      for (const f of ['max_attempts', 'timeout_s', 'capture_duration_ms'] as const) if (typeof c[f] === 'number') into[f] = c[f];
    },
  },
  {
    key: 'checks',
    title: 'required checks',
    missing: (g) => g.required_checks === undefined,
    form(_given, d) {
      const properties: Properties = {};
      for (const check of CHECKS) properties[check] = { type: 'boolean', title: `Require ${check.replace('_', ' ')}`, default: d.required_checks.includes(check) };
      return { message: 'Which checks must pass for a live verdict?', schema: { type: 'object', properties } };
    },
    apply(c, into) {
      const chosen = CHECKS.filter((check) => c[check] === true);
      if (chosen.length) into.required_checks = chosen;
    },
  },
  {
    key: 'thresholds',
    title: 'thresholds',
    missing: (g) => THRESHOLD_FIELDS.some((f) => g.thresholds?.[f] === undefined),
    form(given, d) {
      const properties: Properties = {};
      for (const f of THRESHOLD_FIELDS) {
        if (given.thresholds?.[f] !== undefined) continue;
        const [minimum, maximum] = THRESHOLD_RANGES[f];
        properties[f] = { type: 'number', title: f.replaceAll('_', ' '), minimum, maximum, default: d.thresholds[f] };
      }
      return { message: 'Decision thresholds (the defaults are calibrated; change them only with evidence).', schema: { type: 'object', properties } };
    },
    apply(c, into) {
      for (const f of THRESHOLD_FIELDS) {
        if (typeof c[f] === 'number') into.thresholds = { ...into.thresholds, [f]: c[f] };
      }
    },
  },
  {
    key: 'urls',
    title: 'redirect URLs',
    missing: (g) => URL_FIELDS.some((f) => g[f] === undefined),
    form(given) {
      const properties: Properties = {};
      for (const f of URL_FIELDS) {
        if (given[f] === undefined) properties[f] = { type: 'string', format: 'uri', title: f.replaceAll('_', ' '), description: 'Leave empty for none' };
      }
      return { message: 'Optional URLs: where the page sends the person afterwards.', schema: { type: 'object', properties } };
    },
    apply(c, into) {
      for (const f of URL_FIELDS) if (typeof c[f] === 'string' && c[f] !== '') into[f] = c[f] as string;
    },
  },
];

export type Ask = (params: ElicitRequestFormParams) => Promise<ElicitResult>;

/** Fills the gaps of `given` by asking the person; returns the overrides to create the policy with. */
export async function elicitPolicy(given: PolicyOverrides, name: string, ask: Ask | null): Promise<ElicitationOutcome> {
  const gaps = GROUPS.filter((g) => g.missing(given));
  if (gaps.length === 0) return { kind: 'not_needed', overrides: given };
  if (!ask) return { kind: 'unsupported', overrides: given };

  const first = await ask({
    mode: 'form',
    message: `Policy "${name}" leaves out ${gaps.map((g) => g.title).join('; ')}. Override the defaults for them?`,
    requestedSchema: {
      type: 'object',
      properties: { override: { type: 'boolean', title: 'Override the defaults', default: false } },
      required: ['override'],
    },
  });
  if (first.action === 'cancel') return { kind: 'cancelled' };
  if (first.action === 'decline' || first.content?.override !== true) return { kind: 'kept_defaults', overrides: given };

  const overrides: PolicyOverrides = { ...given, ...(given.thresholds ? { thresholds: { ...given.thresholds } } : {}) };
  for (const group of gaps) {
    // Defaults follow the risk level chosen so far (the basics come first).
    const defaults = defaultPolicy(overrides.risk_level ?? 'standard');
    const { message, schema } = group.form(overrides, defaults);
    const answer = await ask({ mode: 'form', message, requestedSchema: schema });
    if (answer.action === 'cancel') return { kind: 'cancelled' };
    if (answer.action === 'accept' && answer.content) group.apply(answer.content, overrides);
  }
  return { kind: 'answered', overrides };
}
