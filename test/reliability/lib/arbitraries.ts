// fast-check arbitraries for the fuzz suite: hostile strings and JSON, request bodies built by
// mutating valid ones, header sets, path parameters, JSON-RPC messages and CBOR chunks.
import fc from 'fast-check';
import { encode as cborEncode } from 'cbor-x';

/** Strings that broke servers before: NUL, lone surrogates, overlong, traversal, injections. */
export const nastyString = fc.constantFrom(
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udfffy',
  '\ud83d',
  '\u202e\u2066',
  '\uffff\ufffe',
  '🙂👩‍👩‍👧',
  '%00',
  '%',
  '%zz',
  '../../etc/passwd',
  "' OR 1=1 --",
  '"; DROP TABLE sessions; --',
  '<script>alert(1)</script>',
  'javascript:alert(1)',
  'data:text/html,<b>x</b>',
  '${jndi:ldap://x}',
  '__proto__',
  'constructor',
  'NaN',
  '1e309',
  '-0',
  '\\',
  '\r\n\r\n',
  'x'.repeat(3000),
);

export const anyText = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  { weight: 3, arbitrary: nastyString },
);

const anyKey = fc.oneof(fc.string({ maxLength: 12 }), nastyString, fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString'));

const leaf = fc.oneof(
  anyText,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom(Number.MAX_SAFE_INTEGER + 2, -1, 0, 1e308, -1e308, 2 ** 31, 2 ** 63),
);

/** Any JSON value, leaves drawn from the hostile sets. */
export const anyJson: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(anyKey, tie('value'), { maxKeys: 4 }),
  ),
})).value;

/** JSON text nested `depth` levels deep (objects or arrays). */
export const deepJsonText = fc
  .record({ depth: fc.integer({ min: 500, max: 12_000 }), array: fc.boolean() })
  .map(({ depth, array }) => (array ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)));

export type BodyCase =
  | { kind: 'mutated'; replace: Record<string, unknown>; drop: string[]; extra: Record<string, unknown> }
  | { kind: 'deep'; field: string; text: string }
  | { kind: 'raw'; text: string }
  | { kind: 'value'; value: unknown };

/** A body case; `fields` are the valid body's keys, the ones a mutation hits most. */
export function bodyCase(fields: readonly string[]): fc.Arbitrary<BodyCase> {
  const field = fields.length > 0 ? fc.constantFrom(...fields) : fc.constant('x');
  return fc.oneof(
    {
      weight: 6,
      arbitrary: fc.record({
        kind: fc.constant('mutated' as const),
        replace: fc.dictionary(field, anyJson, { maxKeys: 3 }),
        drop: fc.subarray([...fields]),
        extra: fc.dictionary(anyKey, anyJson, { maxKeys: 2 }),
      }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('deep' as const), field, text: deepJsonText }) },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('raw' as const),
        text: fc.oneof(fc.string({ maxLength: 60 }), fc.string({ unit: 'binary', maxLength: 60 }), fc.constantFrom('{', '{"a":}', '[1,]', '{"a":1}{', 'null', '', '\u0000', '{"__proto__":{"x":1}}')),
      }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('value' as const), value: anyJson }) },
  );
}

/** The JSON text of a body case applied to a valid body. */
export function bodyText(valid: Record<string, unknown>, c: BodyCase): string {
  switch (c.kind) {
    case 'mutated': {
      const body: Record<string, unknown> = { ...valid };
      for (const k of c.drop) delete body[k];
      Object.assign(body, c.replace);
      for (const [k, v] of Object.entries(c.extra)) Object.defineProperty(body, k, { value: v, enumerable: true, configurable: true, writable: true });
      return JSON.stringify(body);
    }
    case 'deep': {
      const rest = JSON.stringify({ ...valid, [c.field]: 0 });
      // Splice the deep text in place of the placeholder value (JSON.stringify could overflow).
      const at = rest.lastIndexOf(`${JSON.stringify(c.field)}:0`);
      const head = rest.slice(0, at + JSON.stringify(c.field).length + 1);
      return head + c.text + rest.slice(at + JSON.stringify(c.field).length + 2);
    }
    case 'raw':
      return c.text;
    case 'value':
      return JSON.stringify(c.value) ?? 'null';
  }
}

/** Header values a client can really send (latin-1 without controls), hostile ones included. */
const headerValue = fc.oneof(
  fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 80 }),
  fc.string({ unit: fc.integer({ min: 0x80, max: 0xff }).map((c) => String.fromCharCode(c)), maxLength: 8 }),
  fc.constantFrom('', ' ', 'null', 'Bearer', 'Bearer ', 'Bearer lg_', 'Capture ', 'Basic YWRtaW46YWRtaW4=', 'x'.repeat(4000)),
);

export interface HeaderCase {
  auth: 'valid' | 'none' | 'mangled' | 'random';
  authHeader: 'authorization' | 'x-api-key' | 'both';
  headers: Record<string, string>;
}

export const headerCase: fc.Arbitrary<HeaderCase> = fc.record({
  auth: fc.constantFrom('valid', 'none', 'mangled', 'random'),
  authHeader: fc.constantFrom('authorization', 'x-api-key', 'both'),
  headers: fc.dictionary(
    fc.constantFrom(
      'content-type',
      'accept',
      'idempotency-key',
      'x-forwarded-for',
      'x-request-id',
      'origin',
      'host',
      'mcp-session-id',
      'mcp-protocol-version',
      'last-event-id',
      'accept-encoding',
      'content-encoding',
      'if-none-match',
      'cookie',
      'x-http-method-override',
    ),
    headerValue,
    { maxKeys: 5 },
  ),
});

/** A path parameter: random text percent-encoded by UTF-8 bytes, or a raw hostile segment. */
export const pathParam = fc.oneof(
  { weight: 4, arbitrary: anyText.map(encodeSegment) },
  { weight: 1, arbitrary: fc.uuid().map(String) },
  {
    weight: 2,
    arbitrary: fc.constantFrom('%00', '%', '%zz', '%ED%A0%80', '%C0%AE', '..', '.', '%2e%2e', '%2F', 'a%00b', '%FF%FE', 'x'.repeat(200), 'pol_' + 'a'.repeat(300), 'wh_%00'),
  },
);

function encodeSegment(s: string): string {
  // Lone surrogates cannot go through encodeURIComponent: encode the WTF-8 bytes by hand.
  let out = '';
  for (const ch of s) {
    try {
      out += encodeURIComponent(ch);
    } catch {
      const cu = ch.charCodeAt(0);
      out += [0xe0 | (cu >> 12), 0x80 | ((cu >> 6) & 0x3f), 0x80 | (cu & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join('');
    }
  }
  return out || '%20';
}

export const MCP_METHODS = [
  'initialize',
  'notifications/initialized',
  'ping',
  'tools/list',
  'tools/call',
  'resources/list',
  'resources/read',
  'resources/subscribe',
  'resources/unsubscribe',
  'resources/templates/list',
  'prompts/list',
  'completion/complete',
  'logging/setLevel',
  'tasks/get',
  'tasks/list',
  'tasks/cancel',
  'tasks/result',
] as const;

export const MCP_TOOLS = [
  'verify_human_presence',
  'get_verification_status',
  'get_verification_result',
  'wait_for_verification',
  'cancel_verification',
  'get_audit_trail',
  'whoami',
  'list_policies',
  'create_policy',
  'nope',
] as const;

/** A JSON-RPC message (or batch, or junk) for POST /mcp on an initialized session. */
export const mcpMessage: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record(
      {
        jsonrpc: fc.oneof(fc.constant('2.0'), anyJson),
        id: fc.oneof(fc.integer(), fc.string({ maxLength: 10 }), fc.constant(null), anyJson),
        method: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...MCP_METHODS) }, { weight: 1, arbitrary: anyText }),
        params: fc.oneof(
          { weight: 3, arbitrary: fc.record({ name: fc.oneof(fc.constantFrom(...MCP_TOOLS), anyText), arguments: fc.oneof(fc.dictionary(fc.constantFrom('session_id', 'action_description', 'timeout_s', 'risk_level', 'reason', 'note', 'policy', 'name', 'config', 'metadata', 'action_details'), anyJson, { maxKeys: 4 }), anyJson) }, { requiredKeys: [] }) },
          { weight: 2, arbitrary: fc.record({ uri: fc.oneof(fc.constantFrom('livegate://sessions/', 'livegate://sessions/%', 'livegate://sessions/%E0%A4%A', 'livegate://policies', 'file:///etc/passwd'), anyText.map((t) => `livegate://sessions/${t}`)) }, { requiredKeys: [] }) },
          { weight: 1, arbitrary: anyJson },
        ),
      },
      { requiredKeys: ['method'] },
    ),
  },
  { weight: 1, arbitrary: fc.array(anyJson, { maxLength: 3 }) },
  { weight: 1, arbitrary: anyJson },
);

/** A CBOR chunk body: random bytes, random CBOR, or a well-formed chunk with hostile fields. */
export function chunkBody(binding: () => { session_id: string; attempt_id: string; nonce: string }): fc.Arbitrary<Uint8Array> {
  const frame = fc.record(
    {
      t: fc.oneof(fc.integer({ min: 0, max: 20_000 }), anyJson),
      lm: fc.oneof(fc.constant(null), fc.uint8Array({ maxLength: 64 }).map((b) => new Uint16Array(b.buffer.slice(0, b.length - (b.length % 2)))), anyJson),
      roi: fc.oneof(fc.constant(new Float32Array([120, 80, 70, 121, 81, 71, 119, 79, 69])), fc.float32Array({ maxLength: 12 }), anyJson),
      skin: fc.oneof(fc.constant(new Uint32Array([900, 800, 800])), fc.uint32Array({ maxLength: 4 }), anyJson),
      box: fc.oneof(fc.constant(new Float32Array([0.3, 0.2, 0.4, 0.5])), fc.float32Array({ maxLength: 5 }), anyJson),
      crop: fc.oneof(fc.uint8Array({ maxLength: 64 }), fc.constant(new Uint8Array([0xff, 0xd8, 0xff, 0xd9])), anyJson),
    },
    { requiredKeys: [] },
  );
  const chunk = fc.record(
    {
      v: fc.oneof(fc.constant(1), anyJson),
      binding: fc.constantFrom('right', 'wrong', 'junk'),
      seq: fc.oneof(fc.integer({ min: 0, max: 3 }), fc.integer(), anyJson),
      frames: fc.oneof(fc.array(frame, { maxLength: 4 }), anyJson),
      context: fc.oneof(fc.constant([]), anyJson),
      extra: fc.dictionary(anyKey, anyJson, { maxKeys: 2 }),
    },
    { requiredKeys: ['binding'] },
  );
  return fc.oneof(
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 256 }) },
    { weight: 1, arbitrary: anyJson.map((v) => safeCbor(v)) },
    {
      weight: 4,
      arbitrary: chunk.map(({ binding: b, extra, ...rest }) => {
        const bound = b === 'right' ? binding() : b === 'wrong' ? { session_id: crypto.randomUUID(), attempt_id: crypto.randomUUID(), nonce: 'x' } : {};
        return safeCbor({ ...extra, ...rest, ...bound });
      }),
    },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 100_000 }).map((depth) => nestedCbor(depth)) },
  );
}

function safeCbor(value: unknown): Uint8Array {
  try {
    return cborEncode(value);
  } catch {
    return new Uint8Array([0xbf]); // an indefinite map that never ends
  }
}

/** CBOR arrays nested `depth` deep, written byte by byte (no encoder recursion). */
function nestedCbor(depth: number): Uint8Array {
  const out = new Uint8Array(depth + 1).fill(0x81);
  out[depth] = 0x00;
  return out;
}
