// What `tools/list` advertises: the zod schemas (which still validate every call) rendered as
// compact, portable JSON Schema. Every conversation that loads the server pays for this list in
// tokens, so: no `$schema`, no ±2^53 integer bounds, no bare `additionalProperties: {}`, no
// `type: [..]` arrays, output schemas without prose (the tool description carries the meaning),
// and the policy shape explained once in livegate://reference/policy-overrides instead of in
// every tool that takes or returns a policy. Budget: docs/MCP.md "Token cost".
import type { Tool, ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import { RISK_LEVELS, VERDICTS } from '../../workers/protocol/index.ts';
import { FRAME_COUNTS } from '../policies/defaults.ts';

/** The compact JSON size `tools/list` must stay under (bytes). */
export const TOOLS_LIST_BUDGET_BYTES = 16_384;

export const POLICY_OVERRIDES_URI = 'livegate://reference/policy-overrides';

type Json = Record<string, unknown>;

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** Output fields whose description is kept: the ones an agent acts on. */
const OUTPUT_DESCRIPTIONS = new Set(['instructions', 'proceed', 'decision', 'timed_out', 'url_elicitation', 'final_status']);

/**
 * Portable, compact JSON Schema. `inOutput` drops prose and length limits (the client only
 * validates shapes there) and `additionalProperties: false` (new fields must not break clients).
 */
export function compactSchema(schema: unknown, inOutput: boolean, key?: string, depth = 0): unknown {
  if (Array.isArray(schema)) return schema.map((s) => compactSchema(s, inOutput, undefined, depth));
  if (schema === null || typeof schema !== 'object') return schema;
  const src = schema as Json;
  const out: Json = {};
  for (const [k, v] of Object.entries(src)) {
    if (k === '$schema' || k === 'propertyNames') continue;
    if ((k === 'minimum' && v === -MAX_SAFE) || (k === 'maximum' && v === MAX_SAFE)) continue;
    if (k === 'additionalProperties' && v !== null && typeof v === 'object' && Object.keys(v).length === 0) continue;
    if (inOutput && (k === 'minLength' || k === 'maxLength' || k === 'format' || k === 'minItems' || k === 'pattern')) continue;
    // Nested objects of a result: the shape, not which fields are always there.
    if (inOutput && k === 'required') continue;
    // Inputs: a bare minimum length of 1 says nothing a model needs; the server still checks it.
    if (!inOutput && k === 'minLength' && v === 1) continue;
    // Length caps of ids and labels: the server names them when exceeded.
    if (!inOutput && k === 'maxLength' && key !== 'action_description') continue;
    if (k === 'format' && v === 'uri' && !inOutput) continue;
    // Inputs are validated strictly by the server; advertising it costs every tool 29 bytes.
    if (!inOutput && k === 'additionalProperties' && v === false) continue;
    if (inOutput && k === 'additionalProperties' && v === false) continue;
    if (inOutput && k === 'description' && !(key && OUTPUT_DESCRIPTIONS.has(key))) continue;
    if (k === 'properties' && v && typeof v === 'object') {
      out.properties = Object.fromEntries(Object.entries(v as Json).map(([name, s]) => [name, compactSchema(s, inOutput, depth === 0 ? name : undefined, depth + 1)]));
      continue;
    }
    out[k] = compactSchema(v, inOutput, undefined, depth + 1);
  }
  // type: ["string", "null"] is not understood by every client: spell it as anyOf.
  if (Array.isArray(out.type)) {
    const { type, ...rest } = out;
    const types = type as string[];
    if (Array.isArray(rest.enum)) return { ...rest, anyOf: types.map((t) => ({ type: t })) };
    return { ...rest, anyOf: types.map((t) => ({ type: t })) };
  }
  // anyOf of same-typed consts (zod unions of literals): one enum.
  if (Array.isArray(out.anyOf) && (out.anyOf as Json[]).every((s) => 'const' in s && s.type === (out.anyOf as Json[])[0]?.type)) {
    const options = out.anyOf as Json[];
    const { anyOf: _drop, ...rest } = out;
    const values = options.map((s) => s.const);
    const type = values.every((v) => Number.isInteger(v)) ? 'integer' : options[0]?.type;
    return { ...rest, type, enum: values };
  }
  return out;
}

/** Annotations without the title (it is the tool's) and without hints equal to the spec defaults. */
export function compactAnnotations(a: ToolAnnotations | undefined): ToolAnnotations | undefined {
  if (!a) return undefined;
  const out: ToolAnnotations = {};
  if (a.readOnlyHint) out.readOnlyHint = true;
  // destructiveHint and idempotentHint only mean something for tools that write.
  if (!a.readOnlyHint && a.destructiveHint === false) out.destructiveHint = false;
  if (!a.readOnlyHint && a.idempotentHint) out.idempotentHint = true;
  if (a.openWorldHint === false) out.openWorldHint = false;
  return out;
}

const POLICY_REF = `see ${POLICY_OVERRIDES_URI}`;

/** Per-tool replacements of whole properties, where the generic compaction is not enough. */
const INPUT_OVERRIDES: Record<string, Record<string, Json>> = {
  verify_human_presence: {
    frame_count: { type: 'integer', enum: [...FRAME_COUNTS], description: 'CNN frames (default 10, high 30)' },
    policy: {
      description: `Rarely needed: a stored policy_id (list_policies) or an object of overrides (${POLICY_REF})`,
      anyOf: [{ type: 'string', minLength: 1, maxLength: 128 }, { type: 'object' }],
    },
  },
};

/** Shorter descriptions of input fields, for the model (the REST API keeps the long ones). */
const INPUT_DESCRIPTIONS: Record<string, Record<string, string>> = {
  verify_human_presence: {
    action_description: 'The exact action the person approves, shown to them verbatim',
    action_details: 'Structured details (amount, recipient, ...), bound into action_sha256',
    risk_level: 'standard (default) or high',
    frame_count: 'CNN frames (default 10, high 30)',
    timeout: 'Seconds until the link expires (default 300)',
    user_identifier: 'Your id for the person (attestation subject)',
    audience: 'aud claim (default the tenant id)',
    nonce: 'Echoed in the attestation',
    metadata: 'Free-form, kept with the session',
  },
  greet: { name: '', language: 'Default en' },
  wait_for_verification: { session_id: '', timeout_s: 'Default 50, max 55' },
  check_verification_status: { session_id: '' },
  get_verification_result: { session_id: '' },
  revoke_session: { session_id: '', reason: 'Kept in the audit trail' },
  update_session_status: { session_id: '', status: '', note: 'Why (audited)' },
  list_session_reviews: { session_id: '' },
  create_session_review: { session_id: '', message: '' },
  forget_user: { user_identifier: '' },
  verify_attestation: {
    token: 'The signature from get_verification_result',
    action_description: 'The action about to run; must match the token',
    action_details: 'As given at creation, if any',
    action_sha256: 'Or the expected action hash (hex)',
    audience: 'Expected aud',
    nonce: 'Expected nonce',
    require_checks: 'Checks that must have been required',
    require_risk_level: 'Lowest acceptable risk level',
  },
};

/** The attestation fields a model reads; the rest are in the JWT claims (no additionalProperties: false). */
const ATTESTATION_OUTPUT: Json = {
  type: 'object',
  properties: {
    verdict: { type: 'string', enum: [...VERDICTS] },
    score: { type: 'number' },
    risk_level: { type: 'string', enum: [...RISK_LEVELS] },
    action_sha256: { type: 'string' },
    expires_at: { type: 'string' },
    required_checks: { type: 'array', items: { type: 'string' } },
  },
};

const POLICY_CONFIG_OUTPUT: Json = { type: 'object', description: `The effective policy (${POLICY_REF})` };

/** Input fields of create_policy / update_policy: types and ranges; their meaning is in the resource. */
function compactPolicyInput(schema: Json): Json {
  const props = { ...(schema.properties as Record<string, Json>) };
  for (const [name, prop] of Object.entries(props)) {
    if (name === 'name' || name === 'policy_id') continue;
    // The identity mode is explained (and typed) in the resource, like thresholds and branding.
    if (name === 'identity') {
      delete props[name];
      continue;
    }
    const { description: _d, ...rest } = prop;
    // Types only: ranges and meanings are in the resource, and the server names the allowed values.
    const { minimum: _min, maximum: _max, format: _f, minItems: _mi, ...typed } = rest;
    if (name === 'thresholds') props[name] = { type: 'object', description: `Partial decision thresholds (${POLICY_REF})` };
    else if (name === 'branding') props[name] = { type: 'object', description: `Page name, logo_url, accent_color (${POLICY_REF})` };
    else props[name] = typed;
  }
  return { ...schema, properties: props };
}

/** Rewrites one tool of the SDK's tools/list answer to its compact advertised form. */
export function advertise(tool: Tool): Tool {
  let input = compactSchema(tool.inputSchema, false) as Json;
  const overrides = INPUT_OVERRIDES[tool.name];
  if (overrides) input = { ...input, properties: { ...(input.properties as Json), ...overrides } };
  const descriptions = INPUT_DESCRIPTIONS[tool.name];
  if (descriptions) {
    const props = { ...(input.properties as Record<string, Json>) };
    for (const [name, text] of Object.entries(descriptions)) {
      if (!props[name]) continue;
      const { description: _d, ...rest } = props[name];
      props[name] = text ? { ...rest, description: text } : rest; // '' drops a self-explanatory one
    }
    input = { ...input, properties: props };
  }
  if (tool.name === 'create_policy' || tool.name === 'update_policy') input = compactPolicyInput(input);
  let output = tool.outputSchema ? (compactSchema(tool.outputSchema, true) as Json) : undefined;
  if (output) {
    output = replaceProperty(output, 'config', POLICY_CONFIG_OUTPUT);
    output = replaceProperty(output, 'audit_trail', { type: 'object' });
    output = replaceProperty(output, 'attestation', ATTESTATION_OUTPUT);
    if (tool.name === 'verify_human_presence') output = omitProperties(output, ['action_description', 'model', 'model_version', 'frame_count']);
    if (tool.name === 'forget_user') output = omitProperties(output, ['user_identifier']);
    // Their descriptions name the statuses: the output enum repeats them (budget room for forget_user).
    if (tool.name === 'check_verification_status' || tool.name === 'wait_for_verification') output = replaceProperty(output, 'status', { type: 'string' });
    output = replaceProperty(output, 'final_status', { type: 'object', description: 'Task result only: the final status, as check_verification_status' });
  }
  const { execution, annotations, ...rest } = tool;
  const compact: Tool = { ...rest, inputSchema: input as Tool['inputSchema'] };
  if (output) compact.outputSchema = output as Tool['outputSchema'];
  const a = compactAnnotations(annotations);
  if (a && Object.keys(a).length) compact.annotations = a;
  // "forbidden" is the default; only a tool that supports tasks says so.
  if (execution?.taskSupport && execution.taskSupport !== 'forbidden') compact.execution = execution;
  return compact;
}

/** Replaces every property named `name` (at any depth) with `replacement`. */
function replaceProperty(schema: Json, name: string, replacement: Json): Json {
  const out: Json = { ...schema };
  if (out.properties && typeof out.properties === 'object') {
    out.properties = Object.fromEntries(
      Object.entries(out.properties as Record<string, Json>).map(([k, v]) => [k, k === name ? replacement : replaceProperty(v, name, replacement)]),
    );
  }
  if (out.items && typeof out.items === 'object') out.items = replaceProperty(out.items as Json, name, replacement);
  return out;
}

/** Leaves fields out of an advertised output schema (results still carry them; nothing forbids extras). */
function omitProperties(schema: Json, names: string[]): Json {
  const props = Object.fromEntries(Object.entries(schema.properties as Json).filter(([k]) => !names.includes(k)));
  return { ...schema, properties: props };
}
