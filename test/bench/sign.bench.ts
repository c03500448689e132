// ES256 attestation signing and verification rates, each beside its anchor measured in the same
// run: bare `jose` (SignJWT on a generated P-256 key, same claims; jwtVerify for verification).
// Usage: node test/bench/sign.bench.ts [--json]. Prints a "## Signing" markdown section (median of
// runs); `measureSigning()` is exported for the API bench to merge into docs/BENCHMARKS.md.
import { mkdtempSync, rmSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, generateKeyPair, jwtVerify, SignJWT } from 'jose';
import { actionSha256 } from '../../server/attestation/action-hash.ts';
import type { AttestationBody } from '../../server/attestation/claims.ts';
import { createKeyring } from '../../server/attestation/keyring.ts';
import { signAttestation } from '../../server/attestation/sign.ts';
import { createAttestationVerifier } from '../../server/attestation/verify.ts';
import { openStore } from '../../server/store/index.ts';
import { machineLine, median, ratio } from './lib/report.ts';
import { testSecrets } from '../helpers/kek.ts';

export interface SigningBenchOptions {
  runs?: number;
  /** Length of one run in milliseconds. */
  runMs?: number;
  /** Operations kept in flight for the concurrent figures (WebCrypto works on the libuv pool). */
  concurrency?: number;
}

export interface SigningBenchResult {
  /** 1-minute load average when the runs started: other work on the 2 cores skews the rates. */
  loadAverage: number;
  runs: number;
  runMs: number;
  concurrency: number;
  /** Operations per second, median of runs. */
  signSequential: number;
  signConcurrent: number;
  /** Anchor: bare jose SignJWT, same claims and header, key generated and held as a CryptoKey. */
  joseSignSequential: number;
  joseSignConcurrent: number;
  verifyJose: number;
  verifyJoseConcurrent: number;
  verifyAttestation: number;
  verifyAttestationConcurrent: number;
}

const ACTION = { description: 'Approve: Wire transfer of $50,000 to Acme Corp', details: { amount: 50000, currency: 'USD' } };

export async function measureSigning(options: SigningBenchOptions = {}): Promise<SigningBenchResult> {
  const runs = options.runs ?? 5;
  const runMs = options.runMs ?? 1000;
  const concurrency = options.concurrency ?? 32;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'livegate-bench-sign-'));
  const store = await openStore({ dataDir });
  try {
    const keyring = createKeyring(store, { secrets: testSecrets(), tokenTtlS: 3600 });
    await keyring.ensureKey();
    const now = new Date().toISOString();
    const attestation: AttestationBody = {
      verdict: 'live',
      confidence: 0.93,
      score: 91,
      risk_level: 'standard',
      model_used: '10',
      frames_processed: 10,
      processing_ms: 120,
      action_description: ACTION.description,
      action_sha256: actionSha256(ACTION.description, ACTION.details),
      verified_at: now,
      expires_at: now,
      user_identifier: 'bench-user',
      checks: { pulse: { passed: true, snr_db: 6.1 }, cnn: { passed: true, live_probability: 0.97 } },
    };
    const input = { iss: 'http://127.0.0.1:8787', sub: 'bench-user', aud: 'default', jti: crypto.randomUUID(), nonce: 'bench-nonce', attestation };
    const { token } = await signAttestation(keyring, input);
    const jwks = await keyring.jwks();
    const keySet = createLocalJWKSet(jwks);
    const verifier = createAttestationVerifier({ jwks }, { audience: 'default', action: ACTION, nonce: 'bench-nonce' });
    const bareKey = (await generateKeyPair('ES256')).privateKey;
    const bareClaims = decodeJwt(token);
    const bareHeader = decodeProtectedHeader(token) as { alg: string; kid?: string; typ?: string };
    const bareSign = () => new SignJWT(bareClaims).setProtectedHeader({ alg: 'ES256', kid: bareHeader.kid, typ: bareHeader.typ }).sign(bareKey);

    const loadStart = os.loadavg()[0];
    const rate = async (op: () => Promise<unknown>, inFlight: number): Promise<number> => {
      for (let i = 0; i < 200; i++) await op(); // warm-up: JIT and the cached CryptoKey
      const perRun: number[] = [];
      for (let run = 0; run < runs; run++) {
        let n = 0;
        const start = performance.now();
        const worker = async () => {
          while (performance.now() - start < runMs) {
            await op();
            n++;
          }
        };
        await Promise.all(Array.from({ length: inFlight }, worker));
        perRun.push((n * 1000) / (performance.now() - start));
      }
      return median(perRun);
    };

    return {
      loadAverage: loadStart,
      runs,
      runMs,
      concurrency,
      joseSignSequential: await rate(bareSign, 1),
      signSequential: await rate(() => signAttestation(keyring, input), 1),
      joseSignConcurrent: await rate(bareSign, concurrency),
      signConcurrent: await rate(() => signAttestation(keyring, input), concurrency),
      verifyJose: await rate(() => jwtVerify(token, keySet, { algorithms: ['ES256'] }), 1),
      verifyJoseConcurrent: await rate(() => jwtVerify(token, keySet, { algorithms: ['ES256'] }), concurrency),
      verifyAttestation: await rate(() => verifier.verify(token), 1),
      verifyAttestationConcurrent: await rate(() => verifier.verify(token), concurrency),
    };
  } finally {
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export function signingSection(r: SigningBenchResult): string {
  const n = (v: number) => Math.round(v).toLocaleString('en');
  const target = 3000;
  const meets = r.signSequential >= target ? `meets ≥ ${n(target)}` : `**misses** ≥ ${n(target)}`;
  return `## Signing

Machine: ${machineLine()}. Command: \`node test/bench/sign.bench.ts\`. Date: ${new Date().toISOString().slice(0, 10)}.
ES256 attestation JWTs (jose on WebCrypto, P-256, imported key cached), a realistic claim set; median of ${r.runs} runs of ${r.runMs / 1000} s each; 1-minute load average at the start ${r.loadAverage.toFixed(1)}.
"One at a time" awaits each operation; "${r.concurrency} in flight" keeps that many pending, so WebCrypto's thread pool can use more than one core.
Anchors, measured in the same run: bare \`jose\` \`SignJWT\` with the same claims and header on a generated P-256
\`CryptoKey\` (no keyring, no store), and bare \`jwtVerify\` for verification. "×" is Livegate over its anchor.

| operation | one at a time (/s) | × anchor | ${r.concurrency} in flight (/s) | × anchor |
|---|---|---|---|---|
| anchor: bare \`jose\` \`SignJWT\` ES256 | ${n(r.joseSignSequential)} | 1.00× | ${n(r.joseSignConcurrent)} | 1.00× |
| \`signAttestation\` (keyring + sign) | ${n(r.signSequential)} | ${ratio(r.signSequential, r.joseSignSequential)} | ${n(r.signConcurrent)} | ${ratio(r.signConcurrent, r.joseSignConcurrent)} |
| anchor: bare \`jwtVerify\` (signature + time claims) | ${n(r.verifyJose)} | 1.00× | ${n(r.verifyJoseConcurrent)} | 1.00× |
| \`verifyAttestation\` (+ typ, audience, action hash, nonce) | ${n(r.verifyAttestation)} | ${ratio(r.verifyAttestation, r.verifyJose)} | ${n(r.verifyAttestationConcurrent)} | ${ratio(r.verifyAttestationConcurrent, r.verifyJoseConcurrent)} |

Target ≥ ${n(target)} signs/s on 2 cores: one at a time ${meets}.
`;
}

if (import.meta.main) {
  const result = await measureSigning({
    runs: Number(process.env.BENCH_RUNS ?? 5),
    runMs: Number(process.env.BENCH_RUN_MS ?? 1000),
  });
  process.stdout.write(process.argv.includes('--json') ? `${JSON.stringify(result, null, 2)}\n` : signingSection(result));
}
