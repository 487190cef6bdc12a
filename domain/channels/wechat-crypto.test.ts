import { createCipheriv } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../config';
import {
  createWechatCipher,
  decodeEncodingAesKey,
  decryptWechatMessage,
  encodingAesKeyProblem,
  encryptWechatMessage,
  WechatCryptoError,
  wechatMessageSignature,
  type WechatCryptoFailure,
} from './wechat-crypto';

/** The EncodingAESKey, token and AppID of WeChat's own sample code. */
const ENCODING_AES_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
const TOKEN = 'spamtest';
const APP_ID = 'wx2c2769f8efd9abc2';
const KEY = decodeEncodingAesKey(ENCODING_AES_KEY);
const FIXED_RANDOM = Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex');

const KNOWN_XML =
  '<xml><ToUserName><![CDATA[gh_loopdesk]]></ToUserName><FromUserName><![CDATA[o-wx-kat]]></FromUserName><CreateTime>1409304348</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[你好 hello]]></Content><MsgId>1234567890123456</MsgId></xml>';
/**
 * KNOWN_XML encrypted for APP_ID with KEY and FIXED_RANDOM, and its msg_signature for TOKEN,
 * timestamp 1409304348 and nonce "xxxxxx". Produced outside this code base with Python's
 * `cryptography` 48.0.0 (key = b64decode(EncodingAESKey + "="), iv = key[:16],
 * plaintext = random + struct.pack(">I", len(xml)) + xml + appid, PKCS#7 to 32 bytes (pad 30 here),
 * AES-256-CBC, base64; signature = sha1("".join(sorted([token, timestamp, nonce, encrypt])))),
 * and the ciphertext confirmed byte for byte with `openssl enc -aes-256-cbc -nopad -K <key> -iv <key[:16]>`.
 */
const KNOWN_KEY_HEX = '69b71d79f8218a39259a7a29aabb2dbafc31cb3d35db7e39ebbf3d0010831051';
const KNOWN_ENCRYPT =
  'IG+0eOkLdhYW9kHtuT3HY6keF3CClkFolzcMev5fA7lqbetRGGyrX1yAEZk+VCfbVfNA17ChSDXenzQtlYwHMSgs5aCXFRKlZmBRjXybMh83HSlDZzu/6QE1hZEzfwMGO92lTXpRbxQYJJKKdtdwfJCBLD/cck/9jsOXGQtDd2Ep41+2oQ7h0ew09N9Pb/5iipn1H8rVUZ/2v2Yqh8z3y6kW+JuMaZ14RbnAA5xFSHsh08AEzkHb3oyPdIwXPrmEqya5QhSrlACAo+9GXptnwO+cVWUoEoBQSPyVDJVt7u6yElAD7Dih8Dw+c+fM4QO3zP6KTZXXQVt38WOazs7vapd6gH5thpBsxQnP86rcODpS/9ofIJMaGyWZGymjewc0t9N2ulQnHQ3tkIhQSmuX1MeUIiWKjo9I84J8oXPnj1Y=';
const KNOWN_SIGNATURE = 'e6ca67319d07eff9166a1641d5bcabf39660a1e5';

function failureOf(attempt: () => unknown): WechatCryptoFailure | undefined {
  try {
    attempt();
  } catch (error) {
    if (error instanceof WechatCryptoError) return error.failure;
    throw error;
  }
  return undefined;
}

/** The ciphertext with one byte XOR-ed, as someone altering it on the way would. */
function flipByte(encrypted: string, index: number, mask: number): string {
  const bytes = Buffer.from(encrypted, 'base64');
  bytes[index] = (bytes[index] ?? 0) ^ mask;
  return bytes.toString('base64');
}

describe('WeChat EncodingAESKey', () => {
  it('is 43 base64 characters that decode to the 32-byte AES key', () => {
    expect(KEY.toString('hex')).toBe(KNOWN_KEY_HEX);
    expect(encodingAesKeyProblem(ENCODING_AES_KEY)).toBeUndefined();
    expect(encodingAesKeyProblem(ENCODING_AES_KEY.slice(1))).toMatch(/exactly 43 characters \(it has 42\)/);
    expect(encodingAesKeyProblem(`${ENCODING_AES_KEY.slice(0, 42)}=`)).toMatch(/base64/);
    expect(encodingAesKeyProblem(`${ENCODING_AES_KEY.slice(0, 42)}-`)).toMatch(/base64/);
    expect(() => decodeEncodingAesKey('short')).toThrow(/EncodingAESKey must be exactly 43 characters/);
  });

  it('is checked at start-up, and needs the AppID it is checked against', () => {
    const base = { WECHAT_APP_ID: APP_ID };
    expect(parseConfig({ ...base, WECHAT_ENCODING_AES_KEY: ENCODING_AES_KEY }).channels.wechat.encodingAesKey).toBe(ENCODING_AES_KEY);
    expect(parseConfig(base).channels.wechat.encodingAesKey).toBeUndefined();
    const tooShort = () => parseConfig({ ...base, WECHAT_ENCODING_AES_KEY: 'abc' });
    expect(tooShort).toThrow(ConfigError);
    expect(tooShort).toThrow(/WECHAT_ENCODING_AES_KEY: must be exactly 43 characters \(it has 3\); copy the EncodingAESKey/);
    expect(() => parseConfig({ ...base, WECHAT_ENCODING_AES_KEY: `${'a'.repeat(42)}!` })).toThrow(/WECHAT_ENCODING_AES_KEY: must be base64/);
    expect(() => parseConfig({ WECHAT_ENCODING_AES_KEY: ENCODING_AES_KEY })).toThrow(/WECHAT_APP_ID: required with WECHAT_ENCODING_AES_KEY/);
  });
});

describe('WeChat message encryption', () => {
  it('matches the independently computed known answer', () => {
    expect(encryptWechatMessage(KEY, APP_ID, KNOWN_XML, FIXED_RANDOM)).toBe(KNOWN_ENCRYPT);
    expect(wechatMessageSignature(TOKEN, '1409304348', 'xxxxxx', KNOWN_ENCRYPT)).toBe(KNOWN_SIGNATURE);
    expect(decryptWechatMessage(KEY, KNOWN_ENCRYPT)).toEqual({ message: KNOWN_XML, appId: APP_ID });
    const cipher = createWechatCipher({ token: TOKEN, appId: APP_ID, encodingAesKey: ENCODING_AES_KEY });
    expect(cipher.open({ msgSignature: KNOWN_SIGNATURE, timestamp: '1409304348', nonce: 'xxxxxx', encrypted: KNOWN_ENCRYPT })).toBe(KNOWN_XML);
  });

  it('round-trips every padding length, from 1 to a whole 32-byte block', () => {
    const pads = new Set<number>();
    for (let length = 0; length < 64; length += 1) {
      const message = `<xml>${'字'.repeat(length % 3)}${'x'.repeat(length)}</xml>`;
      const encrypted = encryptWechatMessage(KEY, APP_ID, message);
      const sealed = Buffer.from(encrypted, 'base64');
      expect(sealed.length % 32).toBe(0);
      pads.add(32 - ((16 + 4 + Buffer.byteLength(message) + APP_ID.length) % 32));
      expect(decryptWechatMessage(KEY, encrypted)).toEqual({ message, appId: APP_ID });
    }
    expect(pads.size).toBe(32);
  });

  it('seals a reply that opens again with its own signature, and differs each time by its random prefix', () => {
    const cipher = createWechatCipher({ token: TOKEN, appId: APP_ID, encodingAesKey: ENCODING_AES_KEY });
    const first = cipher.seal('<xml>reply</xml>');
    expect(first.timestamp).toMatch(/^\d{10}$/);
    expect(first.nonce).toMatch(/^\d{10}$/);
    const second = cipher.seal('<xml>reply</xml>', { timestamp: first.timestamp, nonce: first.nonce });
    expect(first.encrypted).not.toBe(second.encrypted);
    expect(cipher.open({ msgSignature: first.msgSignature, timestamp: first.timestamp, nonce: first.nonce, encrypted: first.encrypted })).toBe('<xml>reply</xml>');
  });

  it('refuses a wrong msg_signature before decrypting', () => {
    const cipher = createWechatCipher({ token: TOKEN, appId: APP_ID, encodingAesKey: ENCODING_AES_KEY });
    const known = { msgSignature: KNOWN_SIGNATURE, timestamp: '1409304348', nonce: 'xxxxxx', encrypted: KNOWN_ENCRYPT };
    expect(failureOf(() => cipher.open({ ...known, nonce: 'yyyyyy' }))).toBe('signature');
    expect(failureOf(() => cipher.open({ ...known, msgSignature: '0'.repeat(40) }))).toBe('signature');
    const otherToken = createWechatCipher({ token: 'othertoken', appId: APP_ID, encodingAesKey: ENCODING_AES_KEY });
    expect(failureOf(() => otherToken.open(known))).toBe('signature');
  });

  it('cannot be opened with another key', () => {
    const otherKey = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopq';
    expect(failureOf(() => decryptWechatMessage(decodeEncodingAesKey(otherKey), KNOWN_ENCRYPT))).toBe('undecryptable');
    const cipher = createWechatCipher({ token: TOKEN, appId: APP_ID, encodingAesKey: otherKey });
    expect(failureOf(() => cipher.open({ msgSignature: KNOWN_SIGNATURE, timestamp: '1409304348', nonce: 'xxxxxx', encrypted: KNOWN_ENCRYPT }))).toBe('undecryptable');
  });

  it('refuses altered ciphertext even when the signature is made to fit', () => {
    const cipher = createWechatCipher({ token: TOKEN, appId: APP_ID, encodingAesKey: ENCODING_AES_KEY });
    const signed = (encrypted: string) => ({ msgSignature: wechatMessageSignature(TOKEN, '1', '2', encrypted), timestamp: '1', nonce: '2', encrypted });
    const length = Buffer.from(KNOWN_ENCRYPT, 'base64').length;
    // CBC: a flipped bit in one block flips the same bit of the next block's plaintext.
    const padAltered = flipByte(KNOWN_ENCRYPT, length - 17, 0x80); // the last pad byte becomes ≥ 128
    const lengthAltered = flipByte(KNOWN_ENCRYPT, 0, 0x80); // the length's top byte: it runs past the end
    expect(failureOf(() => cipher.open(signed(padAltered)))).toBe('undecryptable');
    expect(() => cipher.open(signed(padAltered))).toThrow(/padding/);
    expect(() => cipher.open(signed(lengthAltered))).toThrow(/length inside the plaintext runs past its end/);
    expect(failureOf(() => cipher.open({ ...signed(KNOWN_ENCRYPT), encrypted: padAltered }))).toBe('signature');
  });

  it('refuses bad padding and ciphertext that is not whole blocks of base64', () => {
    // 16 random bytes, then 24 bytes of length + "<x" + AppID, then 8 bytes of padding: one 32-byte block after the prefix.
    const body = Buffer.concat([FIXED_RANDOM, Buffer.from([0, 0, 0, 2]), Buffer.from('<x'), Buffer.from(APP_ID)]);
    expect(body.length).toBe(40);
    const sealedWithPad = (pad: number[]) => encryptPadded(Buffer.concat([body, Buffer.from(pad)]));
    expect(decryptWechatMessage(KEY, sealedWithPad([8, 8, 8, 8, 8, 8, 8, 8]))).toEqual({ message: '<x', appId: APP_ID });
    expect(() => decryptWechatMessage(KEY, sealedWithPad([8, 8, 8, 8, 8, 8, 7, 8]))).toThrow(/padding is not PKCS#7/);
    expect(() => decryptWechatMessage(KEY, sealedWithPad([8, 8, 8, 8, 8, 8, 8, 0]))).toThrow(/padding is not PKCS#7/);
    // 56 bytes of 33 are consistent, but WeChat's pad never exceeds its 32-byte block.
    expect(() => decryptWechatMessage(KEY, sealedWithPad(new Array<number>(56).fill(33)))).toThrow(/padding is not PKCS#7/);
    expect(() => decryptWechatMessage(KEY, 'not base64!')).toThrow(/not base64/);
    expect(() => decryptWechatMessage(KEY, Buffer.alloc(40).toString('base64'))).toThrow(/whole number of AES blocks/);
  });

  it('refuses a message encrypted for another AppID', () => {
    const mine = createWechatCipher({ token: TOKEN, appId: APP_ID, encodingAesKey: ENCODING_AES_KEY });
    const theirs = createWechatCipher({ token: TOKEN, appId: 'wx-another-account', encodingAesKey: ENCODING_AES_KEY });
    const sealed = theirs.seal('<xml>hello</xml>', { timestamp: '1', nonce: '2' });
    expect(failureOf(() => mine.open({ msgSignature: sealed.msgSignature, timestamp: '1', nonce: '2', encrypted: sealed.encrypted }))).toBe('app_id');
  });
});

/** AES-256-CBC of bytes padded by hand, for plaintexts encryptWechatMessage would never produce. */
function encryptPadded(padded: Buffer): string {
  const cipher = createCipheriv('aes-256-cbc', KEY, KEY.subarray(0, 16)).setAutoPadding(false);
  return Buffer.concat([cipher.update(padded), cipher.final()]).toString('base64');
}
