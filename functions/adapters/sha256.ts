import type { SourceData } from '@smithy/types';
import { createHash, createHmac, type BinaryLike, type Hash, type Hmac } from 'node:crypto';

const binary = (data: SourceData): BinaryLike =>
  typeof data === 'string' ? data : data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);

/** The hash (and keyed HMAC) @smithy/signature-v4 asks for, from node:crypto rather than another package. */
export class Sha256 {
  readonly #hash: Hash | Hmac;
  constructor(secret?: SourceData) {
    this.#hash = secret === undefined ? createHash('sha256') : createHmac('sha256', binary(secret));
  }
  update(data: SourceData): void {
    this.#hash.update(binary(data));
  }
  async digest(): Promise<Uint8Array> {
    return this.#hash.digest();
  }
}
