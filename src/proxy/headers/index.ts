// HTTP headers as the proxy carries them between codec, filters and router: parallel arrays of
// lower-cased names and values, in arrival order. Arrays, not a Map of arrays, because a request
// has a dozen headers, lookups are a short linear scan, and the codec can fill them with no
// per-header object allocation. Pseudo-headers (':authority', ':path', …) are not stored here;
// the request head keeps them as fields.

export class HeaderMap {
  readonly names: string[] = [];
  readonly values: string[] = [];

  get size(): number {
    return this.names.length;
  }

  /** First value of `name` (lower-case), or undefined. */
  get(name: string): string | undefined {
    const names = this.names;
    for (let i = 0; i < names.length; i++) if (names[i] === name) return this.values[i];
    return undefined;
  }

  /** All values of `name` joined with ',' as RFC 9110 allows for list headers (undefined if absent). */
  getJoined(name: string): string | undefined {
    let out: string | undefined;
    const names = this.names;
    for (let i = 0; i < names.length; i++) {
      if (names[i] === name) out = out === undefined ? this.values[i] : out + ',' + this.values[i];
    }
    return out;
  }

  getAll(name: string): string[] {
    const out: string[] = [];
    for (let i = 0; i < this.names.length; i++) if (this.names[i] === name) out.push(this.values[i]!);
    return out;
  }

  has(name: string): boolean {
    return this.indexOf(name, 0) !== -1;
  }

  /**
   * Where `name` is, from `from`; -1 if absent. A loop rather than Array.prototype.indexOf: the
   * names are few, and most are shared constants, which === matches by identity inline, where
   * the builtin is a call each time.
   */
  private indexOf(name: string, from: number): number {
    const names = this.names;
    for (let i = from; i < names.length; i++) if (names[i] === name) return i;
    return -1;
  }

  /** Appends a value (a second `name` line), keeping any existing ones. */
  add(name: string, value: string): void {
    this.names.push(name);
    this.values.push(value);
  }

  /** Replaces every value of `name` with one. */
  set(name: string, value: string): void {
    const i = this.indexOf(name, 0);
    if (i === -1) {
      this.add(name, value);
      return;
    }
    this.values[i] = value;
    if (this.indexOf(name, i + 1) !== -1) this.removeFrom(name, i + 1);
  }

  /** Removes every value of `name`; returns whether any was present. */
  remove(name: string): boolean {
    const i = this.indexOf(name, 0);
    if (i === -1) return false;
    this.removeFrom(name, i);
    return true;
  }

  forEach(fn: (name: string, value: string) => void): void {
    for (let i = 0; i < this.names.length; i++) fn(this.names[i]!, this.values[i]!);
  }

  clone(): HeaderMap {
    const copy = new HeaderMap();
    copy.names.push(...this.names);
    copy.values.push(...this.values);
    return copy;
  }

  private removeFrom(name: string, start: number): void {
    let w = start;
    for (let r = start; r < this.names.length; r++) {
      if (this.names[r] !== name) {
        this.names[w] = this.names[r]!;
        this.values[w] = this.values[r]!;
        w++;
      }
    }
    this.names.length = w;
    this.values.length = w;
  }
}

/**
 * Something whose fields can be had as a HeaderMap, built only when asked: a parsed response head
 * forwarded without its fields as strings, or a head already written downstream.
 */
export interface HeaderSource {
  readonly headers: HeaderMap;
  /**
   * False when the source knows it has no grpc-status field without building `headers` (a parsed
   * response head's scan notes it); absent or true: look in `headers`.
   */
  readonly mayHaveGrpcStatus?: boolean;
}
