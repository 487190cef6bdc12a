import { describe, expect, it } from 'vitest';
import { EncryptionCodec, generatePayloadKeySpec, parsePayloadKeys } from '../../activities/security/payload-codec';

describe('encryption codec', () => {
  it('decrypts with an older key after rotation and refuses an unknown key', async () => {
    const oldKey = generatePayloadKeySpec('k1');
    const newKey = generatePayloadKeySpec('k2');
    const payload = { metadata: { encoding: new TextEncoder().encode('json/plain') }, data: new TextEncoder().encode('"hello"') };
    const [sealed] = await new EncryptionCodec(parsePayloadKeys(oldKey)).encode([payload]);
    const rotated = new EncryptionCodec(parsePayloadKeys(`${newKey},${oldKey}`));
    const [opened] = await rotated.decode([sealed!]);
    expect(new TextDecoder().decode(opened!.data!)).toBe('"hello"');
    await expect(new EncryptionCodec(parsePayloadKeys(newKey)).decode([sealed!])).rejects.toThrow(/key "k1"/);
  });

  it('encrypts with the first key and leaves unencrypted payloads as they are on decode', async () => {
    const codec = new EncryptionCodec(parsePayloadKeys(`${generatePayloadKeySpec('k9')},${generatePayloadKeySpec('k1')}`));
    const plain = { metadata: { encoding: new TextEncoder().encode('json/plain') }, data: new TextEncoder().encode('1') };
    const [sealed] = await codec.encode([plain]);
    expect(new TextDecoder().decode(sealed!.metadata!['encryption-key-id'])).toBe('k9');
    expect(await codec.decode([plain])).toEqual([plain]);
  });

  it('rejects tampered ciphertext', async () => {
    const codec = new EncryptionCodec(parsePayloadKeys(generatePayloadKeySpec('k1')));
    const [sealed] = await codec.encode([{ metadata: {}, data: new TextEncoder().encode('"amount": 100') }]);
    sealed!.data![20]! ^= 0xff;
    await expect(codec.decode([sealed!])).rejects.toThrow();
  });

  it('explains a malformed key specification', () => {
    expect(() => parsePayloadKeys('nocolon')).toThrow(/"id:base64"/);
    expect(() => parsePayloadKeys('k1:c2hvcnQ=')).toThrow(/must be 32 bytes/);
  });
});
