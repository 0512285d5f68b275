// imurmurhash (a flagd-core dependency) ships no types; tests use it as an independent MurmurHash3.
declare module 'imurmurhash' {
  class MurmurHash3 {
    constructor(key?: string, seed?: number);
    hash(key: string): this;
    result(): number;
  }
  export = MurmurHash3;
}
