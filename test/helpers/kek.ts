// A fixed key-encryption key for suites that build the keyring or the webhook service directly
// (the same in every process, so a child process opens what its parent sealed).
import { createSecretBox, type SecretBox } from '../../server/crypto/kek.ts';

export const TEST_KEK = Buffer.alloc(32, 0x4b);

export function testSecrets(): SecretBox {
  return createSecretBox([TEST_KEK]);
}
