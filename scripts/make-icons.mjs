// Writes the extension icons (public/icons/iconN.png): a purple rounded square with a rising
// white bar chart. Run once; the PNGs are committed. Plain zlib PNG encoding, no dependencies.
import { deflateSync } from 'node:zlib';
import { writeFileSync, mkdirSync } from 'node:fs';

function crc32(buf) {
  let c,
    crc = 0xffffffff;
  for (const b of buf) {
    c = (crc ^ b) & 0xff;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    crc = (crc >>> 8) ^ c;
  }
  return (crc ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}
function icon(n) {
  const raw = Buffer.alloc((n * 4 + 1) * n);
  const r = n * 0.2;
  for (let y = 0; y < n; y++) {
    raw[y * (n * 4 + 1)] = 0;
    for (let x = 0; x < n; x++) {
      const o = y * (n * 4 + 1) + 1 + x * 4;
      const dx = Math.max(r - x, 0, x - (n - 1 - r)),
        dy = Math.max(r - y, 0, y - (n - 1 - r));
      const inside = dx * dx + dy * dy <= r * r;
      // three bars rising left to right
      const bw = n / 6,
        gap = n / 12,
        base = n * 0.82;
      let bar = false;
      for (let i = 0; i < 3; i++) {
        const x0 = n * 0.18 + i * (bw + gap),
          h = n * (0.25 + 0.2 * i);
        if (x >= x0 && x < x0 + bw && y <= base && y >= base - h) bar = true;
      }
      const [cr, cg, cb] = bar ? [255, 255, 255] : [101, 79, 240];
      raw[o] = cr;
      raw[o + 1] = cg;
      raw[o + 2] = cb;
      raw[o + 3] = inside ? 255 : 0;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(n, 0);
  ihdr.writeUInt32BE(n, 4);
  ihdr[8] = 8;
  ihdr[9] = 6;
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
mkdirSync('public/icons', { recursive: true });
for (const n of [16, 32, 48, 128]) writeFileSync(`public/icons/icon${n}.png`, icon(n));
