/**
 * The output of one command within a fixed budget: its first `limit` bytes and its last `limit` bytes, with a
 * count of the bytes dropped between them. Each byte is copied at most once, so a flood of output costs linear time
 * and constant memory (the tail is a ring, never re-concatenated).
 */
export class HeadTailBuffer {
  private readonly head: Buffer[] = [];
  private headLength = 0;
  private ring: Buffer | undefined;
  /** Where the next tail byte goes in the ring, and how many ring bytes hold output. */
  private ringEnd = 0;
  private ringLength = 0;
  /** Bytes dropped between the head and the tail. */
  dropped = 0;

  constructor(private readonly limit: number) {}

  push(chunk: Buffer): void {
    if (this.headLength < this.limit) {
      const take = Math.min(this.limit - this.headLength, chunk.length);
      this.head.push(chunk.subarray(0, take));
      this.headLength += take;
      chunk = chunk.subarray(take);
    }
    if (chunk.length === 0) return;
    this.ring ??= Buffer.allocUnsafe(this.limit);
    const ring = this.ring;
    if (chunk.length >= this.limit) {
      this.dropped += this.ringLength + chunk.length - this.limit;
      chunk.copy(ring, 0, chunk.length - this.limit);
      this.ringEnd = 0;
      this.ringLength = this.limit;
      return;
    }
    const first = Math.min(chunk.length, this.limit - this.ringEnd);
    chunk.copy(ring, this.ringEnd, 0, first);
    chunk.copy(ring, 0, first);
    this.ringEnd = (this.ringEnd + chunk.length) % this.limit;
    const overflow = this.ringLength + chunk.length - this.limit;
    if (overflow > 0) this.dropped += overflow;
    this.ringLength = Math.min(this.limit, this.ringLength + chunk.length);
  }

  /** The kept bytes in order: the head, then the tail. */
  contents(): Buffer {
    const parts = [...this.head];
    if (this.ring && this.ringLength > 0) {
      const start = (this.ringEnd - this.ringLength + this.limit) % this.limit;
      if (start + this.ringLength <= this.limit)
        parts.push(this.ring.subarray(start, start + this.ringLength));
      else parts.push(this.ring.subarray(start), this.ring.subarray(0, this.ringEnd));
    }
    return Buffer.concat(parts);
  }
}

/**
 * Finds a token in a stream of chunks (it may be split between two): everything before it is output, nothing after
 * it is. Holds back only the few bytes that could be the token's beginning.
 */
export class TokenScanner {
  private pending: Buffer = Buffer.alloc(0);
  found = false;

  constructor(private readonly token: Buffer) {}

  /** The bytes of `chunk` (and of the held-back end of the last one) that are surely output. */
  push(chunk: Buffer): Buffer {
    if (this.found) return Buffer.alloc(0);
    const data = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    const at = data.indexOf(this.token);
    if (at >= 0) {
      this.found = true;
      this.pending = Buffer.alloc(0);
      return data.subarray(0, at);
    }
    const keep = Math.min(this.token.length - 1, data.length);
    this.pending = Buffer.from(data.subarray(data.length - keep));
    return data.subarray(0, data.length - keep);
  }

  /** What was held back, for a command that ends without the token (a timeout, a dead shell). */
  flush(): Buffer {
    const rest = this.pending;
    this.pending = Buffer.alloc(0);
    return rest;
  }
}
