import { createCipheriv, createDecipheriv, createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';

/**
 * WeChat Official Account message encryption (安全模式 and 兼容模式), as WeChat publishes it:
 * - the EncodingAESKey is 43 characters of base64; with "=" appended it decodes to the 32-byte AES key,
 *   and the IV is the key's first 16 bytes;
 * - plaintext = 16 random bytes + the message's byte length (4 bytes, big-endian) + the message + the AppID,
 *   PKCS#7-padded to a multiple of 32 bytes (not AES's 16), then AES-256-CBC and base64;
 * - msg_signature = SHA-1 of token, timestamp, nonce and the base64 ciphertext, sorted and joined.
 */

const RANDOM_PREFIX_BYTES = 16;
const LENGTH_BYTES = 4;
/** WeChat pads to 32-byte blocks, so a pad byte runs from 1 to 32. */
const PAD_BLOCK = 32;
const AES_BLOCK = 16;

export type WechatCryptoFailure = 'signature' | 'undecryptable' | 'app_id';

/** Why an encrypted message was refused: a bad msg_signature, ciphertext the key cannot open, or another account's AppID. */
export class WechatCryptoError extends Error {
  override name = 'WechatCryptoError';
  constructor(
    readonly failure: WechatCryptoFailure,
    message: string,
  ) {
    super(message);
  }
}

/** Why `text` is not an EncodingAESKey, or undefined when it is one. */
export function encodingAesKeyProblem(text: string): string | undefined {
  if (text.length !== 43) return `must be exactly 43 characters (it has ${text.length})`;
  if (!/^[A-Za-z0-9+/]{43}$/.test(text)) return 'must be base64: letters, digits, "+" and "/" only';
  // 43 base64 characters always carry 256 bits; the check states the rule rather than trusting the arithmetic.
  if (Buffer.from(`${text}=`, 'base64').length !== 32) return 'must decode to 32 bytes';
  return undefined;
}

/** The AES key inside an EncodingAESKey; throws naming what is wrong with it. */
export function decodeEncodingAesKey(text: string): Buffer {
  const problem = encodingAesKeyProblem(text);
  if (problem) throw new Error(`the EncodingAESKey ${problem}`);
  return Buffer.from(`${text}=`, 'base64');
}

export function wechatMessageSignature(token: string, timestamp: string, nonce: string, encrypted: string): string {
  return createHash('sha1').update([token, timestamp, nonce, encrypted].sort().join('')).digest('hex');
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Encrypts one message for `appId`; `random` is only fixed by tests that need a known answer. */
export function encryptWechatMessage(key: Buffer, appId: string, message: string, random: Buffer = randomBytes(RANDOM_PREFIX_BYTES)): string {
  if (random.length !== RANDOM_PREFIX_BYTES) throw new Error(`the random prefix must be ${RANDOM_PREFIX_BYTES} bytes`);
  const text = Buffer.from(message, 'utf8');
  const length = Buffer.alloc(LENGTH_BYTES);
  length.writeUInt32BE(text.length);
  const body = Buffer.concat([random, length, text, Buffer.from(appId, 'utf8')]);
  const pad = PAD_BLOCK - (body.length % PAD_BLOCK);
  const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, AES_BLOCK)).setAutoPadding(false);
  return Buffer.concat([cipher.update(Buffer.concat([body, Buffer.alloc(pad, pad)])), cipher.final()]).toString('base64');
}

/** Decrypts one message; throws WechatCryptoError('undecryptable') naming the first thing that does not hold. */
export function decryptWechatMessage(key: Buffer, encrypted: string): { message: string; appId: string } {
  const refuse = (why: string) => new WechatCryptoError('undecryptable', why);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encrypted) || encrypted.length % 4 !== 0) throw refuse('the ciphertext is not base64');
  const sealed = Buffer.from(encrypted, 'base64');
  if (sealed.length < PAD_BLOCK || sealed.length % AES_BLOCK !== 0) throw refuse('the ciphertext is not a whole number of AES blocks');
  const decipher = createDecipheriv('aes-256-cbc', key, key.subarray(0, AES_BLOCK)).setAutoPadding(false);
  const padded = Buffer.concat([decipher.update(sealed), decipher.final()]);
  const pad = padded[padded.length - 1] ?? 0;
  if (pad < 1 || pad > PAD_BLOCK || padded.subarray(padded.length - pad).some((byte) => byte !== pad)) throw refuse('the padding is not PKCS#7 to 32 bytes (wrong key or altered ciphertext)');
  const content = padded.subarray(RANDOM_PREFIX_BYTES, padded.length - pad);
  if (content.length < LENGTH_BYTES) throw refuse('the plaintext is too short to hold a length');
  const length = content.readUInt32BE(0);
  if (length > content.length - LENGTH_BYTES) throw refuse('the length inside the plaintext runs past its end (wrong key or altered ciphertext)');
  return {
    message: content.subarray(LENGTH_BYTES, LENGTH_BYTES + length).toString('utf8'),
    appId: content.subarray(LENGTH_BYTES + length).toString('utf8'),
  };
}

export interface SealedWechatMessage {
  encrypted: string;
  msgSignature: string;
  timestamp: string;
  nonce: string;
}

export interface WechatCipherSettings {
  token: string;
  appId: string;
  encodingAesKey: string;
}

/** One account's encryption: opens what WeChat pushes (signature, then decryption, then AppID) and seals passive replies. */
export function createWechatCipher(settings: WechatCipherSettings) {
  const key = decodeEncodingAesKey(settings.encodingAesKey);
  return {
    /** The plaintext of a pushed Encrypt (or encrypted echostr), once its msg_signature and AppID check out. */
    open(input: { msgSignature: string; timestamp: string; nonce: string; encrypted: string }): string {
      if (!sameText(wechatMessageSignature(settings.token, input.timestamp, input.nonce, input.encrypted), input.msgSignature)) {
        throw new WechatCryptoError('signature', 'msg_signature does not match the SHA-1 of the sorted token, timestamp, nonce and ciphertext');
      }
      const { message, appId } = decryptWechatMessage(key, input.encrypted);
      if (appId !== settings.appId) throw new WechatCryptoError('app_id', 'the message was encrypted for another AppID');
      return message;
    },
    /** A passive reply's Encrypt and MsgSignature, signed over a fresh timestamp and nonce unless given. */
    seal(message: string, input: { timestamp?: string; nonce?: string; random?: Buffer } = {}): SealedWechatMessage {
      const timestamp = input.timestamp ?? String(Math.floor(Date.now() / 1000));
      const nonce = input.nonce ?? String(randomInt(1_000_000_000, 10_000_000_000));
      const encrypted = encryptWechatMessage(key, settings.appId, message, input.random);
      return { encrypted, msgSignature: wechatMessageSignature(settings.token, timestamp, nonce, encrypted), timestamp, nonce };
    },
  };
}

export type WechatCipher = ReturnType<typeof createWechatCipher>;
