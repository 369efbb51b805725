import { randomBytes } from 'node:crypto';

/** A random Kafka Uuid as its canonical dashed hex form; never the zero or the sentinel id. */
export function randomTopicId(): string {
  for (;;) {
    const b = randomBytes(16);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = b.toString('hex');
    // Kafka reserves ids whose base64 form starts with '-' and the zero/one sentinels.
    if ((b[0] & 0xfc) === 0xf8) continue;
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }
}

/** Kafka prints a Uuid as URL-safe base64 without padding (22 characters): the cluster id's format. */
export function randomClusterId(): string {
  const b = randomBytes(16);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  if ((b[0] & 0xfc) === 0xf8) b[0] &= 0x7f;
  return b.toString('base64url');
}
