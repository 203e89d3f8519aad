/** How many hash slots a Redis Cluster has; every key maps to one of them. */
export const clusterSlotCount = 16_384;

/**
 * The Redis Cluster slot of a key, as Redis computes it: CRC16/XMODEM of the hash tag — the text
 * between the first `{` and the next `}` when non-empty — or of the whole key, modulo 16384.
 */
export function keySlot(key: string): number {
  const open = key.indexOf('{');
  const close = open === -1 ? -1 : key.indexOf('}', open + 1);
  const hashed = close > open + 1 ? key.slice(open + 1, close) : key;
  return crc16(Buffer.from(hashed, 'utf8')) % clusterSlotCount;
}

function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit += 1) {
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    }
  }
  return crc;
}
