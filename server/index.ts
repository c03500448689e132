// The package's public API (`import ... from 'livegate'`): configure, open and build the server
// in-process, and verify attestations. Everything else under server/ is internal.
export { buildApp, type BuildAppOptions } from './app.ts';
export type { AppServices } from './application/services.ts';
export { loadConfig, type Config, type ConfigInput } from './config.ts';
export { openApp, type OpenAppOptions } from './open.ts';
export { startServer, type StartOptions } from './server.ts';
export { openStore, type OpenStoreOptions } from './store/index.ts';
export type { Store } from './store/types.ts';
export {
  AttestationError,
  checkAttestation,
  createAttestationVerifier,
  verifyAttestation,
  type AttestationClaims,
  type AttestationErrorCode,
  type AttestationVerifier,
  type CheckResult,
  type VerifyOptions,
} from './attestation/verify.ts';
export { VERSION } from './version.ts';
