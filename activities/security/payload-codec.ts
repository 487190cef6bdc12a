import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import proto from '@temporalio/proto';

const ProtoPayload = proto.temporal.api.common.v1.Payload;

export const ENCRYPTED_ENCODING = 'binary/encrypted';
const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_ID_HEADER = 'encryption-key-id';

export interface PayloadKey {
  id: string;
  /** 32 bytes. */
  key: Uint8Array;
}

/** `id:base64key[,id:base64key…]`; the first key encrypts, all of them decrypt (rotation). */
export function parsePayloadKeys(spec: string): PayloadKey[] {
  const keys = spec
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const separator = part.indexOf(':');
      if (separator <= 0) throw new Error('PAYLOAD_KEYS: each key is "id:base64", e.g. "k2:…,k1:…"');
      const id = part.slice(0, separator);
      const key = Buffer.from(part.slice(separator + 1), 'base64');
      if (key.length !== 32) throw new Error(`PAYLOAD_KEYS: key "${id}" must be 32 bytes (base64 of 32 random bytes), got ${key.length}`);
      return { id, key: new Uint8Array(key) };
    });
  if (keys.length === 0) throw new Error('PAYLOAD_KEYS: no key given');
  return keys;
}

export function generatePayloadKeySpec(id = `k${Date.now()}`): string {
  return `${id}:${randomBytes(32).toString('base64')}`;
}

const utf8 = (text: string) => new TextEncoder().encode(text);

/**
 * AES-256-GCM over the whole serialized payload, so Temporal's history holds ciphertext only; the key
 * id travels in the metadata so older keys still decrypt after a rotation.
 */
export class EncryptionCodec implements PayloadCodec {
  private readonly active: PayloadKey;
  private readonly byId: Map<string, PayloadKey>;

  constructor(keys: PayloadKey[]) {
    if (keys.length === 0) throw new Error('EncryptionCodec needs at least one key');
    this.active = keys[0]!;
    this.byId = new Map(keys.map((k) => [k.id, k]));
  }

  encode(payloads: Payload[]): Promise<Payload[]> {
    return new Promise((resolve) =>
      resolve(payloads.map((payload) => {
        const iv = randomBytes(IV_BYTES);
        const cipher = createCipheriv(ALGORITHM, this.active.key, iv);
        const plain = ProtoPayload.encode(payload).finish();
        const data = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
        return {
          metadata: { encoding: utf8(ENCRYPTED_ENCODING), [KEY_ID_HEADER]: utf8(this.active.id) },
          data: new Uint8Array(data),
        };
      })),
    );
  }

  /** Errors (unknown key, tampered data) reject rather than throw, as callers of a codec expect. */
  decode(payloads: Payload[]): Promise<Payload[]> {
    return new Promise((resolve) =>
      resolve(payloads.map((payload) => {
        const encoding = payload.metadata?.encoding ? new TextDecoder().decode(payload.metadata.encoding) : undefined;
        if (encoding !== ENCRYPTED_ENCODING) return payload;
        const keyIdBytes = payload.metadata?.[KEY_ID_HEADER];
        const keyId = keyIdBytes ? new TextDecoder().decode(keyIdBytes) : '';
        const key = this.byId.get(keyId);
        if (!key) throw new Error(`Payload was encrypted with key "${keyId}", which is not among PAYLOAD_KEYS`);
        const data = Buffer.from(payload.data ?? new Uint8Array());
        const decipher = createDecipheriv(ALGORITHM, key.key, data.subarray(0, IV_BYTES));
        decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
        const plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
        return ProtoPayload.decode(plain);
      })),
    );
  }
}

/** The codec every client and worker of one deployment shares; they must hold the same keys. */
export function payloadCodecFor(keySpec: string | undefined): EncryptionCodec {
  if (!keySpec) throw new Error('PAYLOAD_KEYS is not set: the API and the workers need the same key to encrypt workflow payloads.');
  return new EncryptionCodec(parsePayloadKeys(keySpec));
}
