// `livegate kek generate | rotate`: the key-encryption key that seals signing keys and webhook
// secrets in the store (server/crypto/kek.ts).
import { Option, type Command } from 'commander';
import type { Config, ConfigInput } from '../config.ts';
import { loadSecretBox, readKeyFile, writeKeyFile } from '../crypto/kek-source.ts';
import { resealSecrets, type ResealResult } from '../crypto/kek-store.ts';
import { createSecretBox, generateKek, kekId } from '../crypto/kek.ts';
import { createTemplateService } from '../identity/templates.ts';
import type { Store } from '../store/types.ts';

interface StoreFlags {
  data?: string;
  databaseUrl?: string;
}

export interface KekCommandDeps {
  configFrom(flags: StoreFlags & ConfigInput): Config;
  openStoreFor(config: Config): Promise<Store>;
}

const describe = (r: ResealResult) =>
  `${r.rotated.signingKeys + r.plaintext.signingKeys} signing key(s) and ${r.rotated.webhookSecrets + r.plaintext.webhookSecrets} webhook secret(s) re-sealed` +
  (r.plaintext.signingKeys + r.plaintext.webhookSecrets > 0 ? ` (${r.plaintext.signingKeys + r.plaintext.webhookSecrets} of them were in plaintext)` : '');

export function register(program: Command, deps: KekCommandDeps): void {
  const kek = program.command('kek').description('the key-encryption key that seals signing keys and webhook secrets at rest');
  kek
    .command('generate')
    .description('print a new random key-encryption key (base64, 32 bytes) for LIVEGATE_KEK or a key file')
    .action(() => {
      process.stdout.write(`${generateKek().toString('base64')}\n`);
    });
  kek
    .command('rotate')
    .description('re-seal every stored secret under a new key-encryption key (stop the servers of a key-file deployment first)')
    .addOption(new Option('--data <dir>', 'data directory [env LIVEGATE_DATA, default ./data]'))
    .addOption(new Option('--database-url <url>', 'PostgreSQL URL instead of SQLite [env DATABASE_URL]'))
    .action(async (flags: StoreFlags) => {
      const config = deps.configFrom(flags);
      const notice = (message: string) => process.stderr.write(`livegate: ${message}\n`);
      const source = loadSecretBox(config, undefined, notice);
      const store = await deps.openStoreFor(config);
      try {
        if (source.origin.kind === 'env') {
          // The operator set the new key as LIVEGATE_KEK and the old one in LIVEGATE_KEK_PREVIOUS.
          const result = await resealSecrets(store, source.box);
          await createTemplateService({ store, secrets: source.box }).reseal();
          process.stdout.write(`${describe(result)} under LIVEGATE_KEK (key id ${source.box.keyId}).\n`);
          process.stdout.write('Every stored secret is now sealed under it: remove LIVEGATE_KEK_PREVIOUS once every instance runs with this LIVEGATE_KEK.\n');
          return;
        }
        // Key file: the new key goes in first, next to the old ones, so a crash at any point leaves
        // a file that opens every stored value; the old keys leave once nothing uses them.
        const path = source.origin.path;
        const old = readKeyFile(path);
        const next = generateKek();
        writeKeyFile(path, [next, ...old]);
        const box = createSecretBox([next, ...source.keys]);
        const result = await resealSecrets(store, box);
        // Face templates (server/identity) too, before the old keys leave the file.
        await createTemplateService({ store, secrets: box }).reseal();
        writeKeyFile(path, [next]);
        process.stdout.write(`${describe(result)} under the new key-encryption key ${kekId(next)} in ${path}; the old key(s) ${old.map(kekId).join(', ')} were removed.\n`);
        process.stdout.write('Back up the new key file now (apart from the database backups); backups taken before this rotation need the old key.\n');
      } finally {
        await store.close();
      }
    });
}
