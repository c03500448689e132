// Checks every decoded input once at the boundary (HTTP bodies, queries and path parameters, MCP
// tool arguments) before any service sees it, so both stores and every hash see the same values:
// - nesting deeper than MAX_INPUT_DEPTH (the canonical action hash and the request hash recurse);
// - strings that are not well-formed UTF-16 (a lone surrogate cannot be encoded as UTF-8);
// - NUL characters (PostgreSQL text cannot hold them; SQLite would store them).
// Keys are checked like values. The walk is iterative: a hostile depth cannot overflow it.
import { AppError } from './errors.ts';

/** Objects and arrays may nest this deep in a JSON body or a tool's arguments (the top level is 1). */
export const MAX_INPUT_DEPTH = 32;

export interface InputProblem {
  reason: 'too_deep' | 'ill_formed_string' | 'nul_character';
  /** Where, as a dotted path from the top (`body.action_details.a.b`). */
  path: string;
}

function stringProblem(value: string): InputProblem['reason'] | null {
  if (value.includes('\u0000')) return 'nul_character';
  // ES2024 String.prototype.isWellFormed (Node >= 20); the project's lib setting is ES2023.
  if (!(value as string & { isWellFormed(): boolean }).isWellFormed()) return 'ill_formed_string';
  return null;
}

/** The first problem found in `value`, or null. Buffers and typed arrays (CBOR chunks) are skipped. */
export function findInputProblem(value: unknown, root = 'body', maxDepth = MAX_INPUT_DEPTH): InputProblem | null {
  const stack: Array<{ value: unknown; path: string; depth: number }> = [{ value, path: root, depth: 0 }];
  while (stack.length > 0) {
    const item = stack.pop()!;
    const v = item.value;
    if (typeof v === 'string') {
      const reason = stringProblem(v);
      if (reason) return { reason, path: item.path };
      continue;
    }
    if (v === null || typeof v !== 'object' || ArrayBuffer.isView(v)) continue;
    const depth = item.depth + 1;
    if (depth > maxDepth) return { reason: 'too_deep', path: item.path };
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], path: `${item.path}.${i}`, depth });
      continue;
    }
    for (const [key, child] of Object.entries(v)) {
      const reason = stringProblem(key);
      if (reason) return { reason, path: `${item.path}.${key.replace(/[^\x20-\x7e]/g, '?')}` };
      stack.push({ value: child, path: `${item.path}.${key}`, depth });
    }
  }
  return null;
}

/** The 400 answer for a problem: `input_too_deep`, or `invalid_text` for strings. */
export function inputProblemError(problem: InputProblem): AppError {
  const path = problem.path.replace(/[^\x20-\x7e]/g, '?').slice(0, 200);
  if (problem.reason === 'too_deep') {
    return new AppError('input_too_deep', `${path} nests deeper than ${MAX_INPUT_DEPTH} levels of objects and arrays.`, {
      details: { path, max_depth: MAX_INPUT_DEPTH },
    });
  }
  const what = problem.reason === 'nul_character' ? 'a NUL character (\\u0000)' : 'a lone UTF-16 surrogate (not valid Unicode text)';
  return new AppError('invalid_text', `${path} contains ${what}.`, { details: { path, reason: problem.reason } });
}

/** Throws the 400 for the first problem in `value`. */
export function assertCleanInput(value: unknown, root = 'body'): void {
  const problem = findInputProblem(value, root);
  if (problem) throw inputProblemError(problem);
}

/** True when a path parameter holds a NUL: no stored id can contain one, so it names nothing. */
export function hasNul(params: unknown): boolean {
  if (params === null || typeof params !== 'object') return false;
  return Object.values(params).some((v) => typeof v === 'string' && v.includes('\u0000'));
}
