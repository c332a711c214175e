/** A 1×1 PNG: what the upload tests pick, and what the page must show decoded (naturalWidth 1). */
export const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

/** The PNG followed by `bytes` more (ignored by decoders after IEND): a file of several chunks. */
export function bigPng(bytes: number): Buffer {
  return Buffer.concat([PNG, Buffer.alloc(bytes, 7)]);
}
