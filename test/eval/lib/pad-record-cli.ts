// Records one real page run's evidence into a directory (see pad-record.ts):
//   node test/eval/lib/pad-record-cli.ts <media file> <out dir> [standard|high]
import { basename, dirname, resolve } from 'node:path';
import { startLivegate } from '../../helpers/livegate-server.ts';
import { cameraMediaFor } from './pad-media.ts';
import { readRecordedCapture, saveRecordedCapture } from './pad-record.ts';
import { runWithCamera } from './pad-run.ts';

const [file, out, risk = 'standard'] = process.argv.slice(2);
if (!file || !out) {
  process.stderr.write('usage: node test/eval/lib/pad-record-cli.ts <media file> <out dir> [standard|high]\n');
  process.exit(2);
}
const still = /\.(png|jpe?g)$/i.test(file);
const y4m = await cameraMediaFor(dirname(resolve(file)), { id: basename(file), file: basename(file), media: still ? 'still' : 'video' });
const server = await startLivegate({ config: { logLevel: 'error', evidenceRetentionS: 3600 } });
try {
  const run = await runWithCamera(server, y4m, { risk_level: risk === 'high' ? 'high' : 'standard' });
  process.stderr.write(`${run.status} ${run.verdict} ${run.score} ${JSON.stringify(run.checks)}\n`);
  await saveRecordedCapture(resolve(out), await readRecordedCapture(server, run.session_id));
} finally {
  await server.close();
}
