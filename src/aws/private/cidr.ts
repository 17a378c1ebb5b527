/**
 * IPv4 CIDR arithmetic for subnet planning (internal).
 */
export class Ipv4Cidr {
  /** Parse `a.b.c.d/n`; undefined when malformed. */
  public static parse(text: string): Ipv4Cidr | undefined {
    const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(String(text));
    if (!m) return undefined;
    const octets = m.slice(1, 5).map(Number);
    const prefix = Number(m[5]);
    if (octets.some((o) => o > 255) || prefix > 32) return undefined;
    const address = ((octets[0] * 256 + octets[1]) * 256 + octets[2]) * 256 + octets[3];
    return new Ipv4Cidr(address, prefix);
  }

  private constructor(public readonly address: number, public readonly prefix: number) {}

  /** Number of addresses. */
  public get size(): number {
    return 2 ** (32 - this.prefix);
  }

  /** Whether the address is the network address (no host bits set). */
  public get isAligned(): boolean {
    return this.address % this.size === 0;
  }

  /** First address after the block. */
  public get end(): number {
    return this.address + this.size;
  }

  public contains(other: Ipv4Cidr): boolean {
    return other.address >= this.address && other.end <= this.end;
  }

  public overlaps(other: Ipv4Cidr): boolean {
    return this.address < other.end && other.address < this.end;
  }

  public toString(): string {
    const a = this.address;
    const octet = (shift: number) => Math.floor(a / 2 ** shift) % 256;
    return `${octet(24)}.${octet(16)}.${octet(8)}.${octet(0)}/${this.prefix}`;
  }

  /**
   * Carve `count` consecutive blocks of `prefix` starting at the first aligned address at or after
   * `from` (default: this block's start); undefined when they do not fit.
   */
  public allocate(prefix: number, count: number, from?: number): Ipv4Cidr[] | undefined {
    const size = 2 ** (32 - prefix);
    let next = Math.ceil((from ?? this.address) / size) * size;
    const out: Ipv4Cidr[] = [];
    for (let i = 0; i < count; i++) {
      const block = new Ipv4Cidr(next, prefix);
      if (!this.contains(block)) return undefined;
      out.push(block);
      next += size;
    }
    return out;
  }
}
