/** AES-256-GCM for endpoints and secrets at rest. Format: "v1:" + base64(iv | tag | ciphertext). */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const PREFIX = 'v1:';

export class SecretBox {
  /**
   * `previous`: keys that sealed values before a rotation (HERALD_SECRET_KEY_PREVIOUS). They only
   * open; sealing always uses `key`.
   */
  constructor(
    private readonly key: Buffer,
    private readonly previous: readonly Buffer[] = [],
  ) {
    for (const k of [key, ...previous]) if (k.length !== 32) throw new Error('the secret key must be 32 bytes');
  }

  seal(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
  }

  open(sealed: string): string {
    return this.openStale(sealed).plain;
  }

  /** Opens with the current key, else a previous one; `stale` says it should be sealed again. */
  openStale(sealed: string): { plain: string; stale: boolean } {
    if (!sealed.startsWith(PREFIX)) throw new Error('not a sealed value');
    const raw = Buffer.from(sealed.slice(PREFIX.length), 'base64');
    let failure: unknown;
    for (const [i, key] of [this.key, ...this.previous].entries()) {
      try {
        return { plain: openWith(key, raw), stale: i > 0 };
      } catch (err) {
        failure = err;
      }
    }
    throw failure;
  }
}

function openWith(key: Buffer, raw: Buffer): string {
  const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
  decipher.setAuthTag(raw.subarray(12, 28));
  return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
}

/** HERALD_SECRET_KEY, or the key file in the data dir, generated (mode 0600) on first start. */
export function loadSecretKey(secretKey: string | undefined, dataDir: string): { key: Buffer; generated: boolean } {
  if (secretKey) return { key: Buffer.from(secretKey, 'base64'), generated: false };
  const path = join(dataDir, 'secret.key');
  if (existsSync(path)) {
    const key = Buffer.from(readFileSync(path, 'utf8').trim(), 'base64');
    if (key.length !== 32) throw new Error(`${path} does not hold base64 of 32 bytes; restore it or set HERALD_SECRET_KEY`);
    return { key, generated: false };
  }
  mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(32);
  writeFileSync(path, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(path, 0o600);
  return { key, generated: true };
}
