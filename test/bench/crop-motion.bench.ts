// Cost of one crop-planarity pair (block matching on two 64 px grayscale crops plus the fits).
// Usage: node test/bench/crop-motion.bench.ts
import { cropMotion } from '../../workers/face/crop-motion.ts';

const S = 64;
const a = new Uint8Array(S * S), b = new Uint8Array(S * S);
for (let y = 0; y < S; y++) {
  for (let x = 0; x < S; x++) {
    const v = (u: number, w: number) => 128 + 60 * Math.sin(u / 3.1) * Math.cos(w / 4.3) + 30 * Math.sin((u + 2 * w) / 5.7);
    a[y * S + x] = v(x, y);
    b[y * S + x] = v(x + 1.3 + 0.02 * y, y - 0.7);
  }
}
for (let i = 0; i < 20; i++) cropMotion(a, b, S);
const runs = 200, times: number[] = [];
let matched = 0;
for (let i = 0; i < runs; i++) {
  const t0 = performance.now();
  matched = cropMotion(a, b, S).matched;
  times.push(performance.now() - t0);
}
times.sort((x, y) => x - y);
console.log(`crop motion, ${S}x${S}, ${matched} blocks, Node ${process.version}: median ${times[runs >> 1].toFixed(3)} ms, p95 ${times[Math.floor(runs * 0.95)].toFixed(3)} ms`);
