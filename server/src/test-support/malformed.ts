import { CLIENT_EVENTS, SERVER_EVENTS } from "@chat/shared";

/**
 * Generated hostile input for fuzzing the server: wrong types, huge strings, deep and wide objects,
 * prototype-pollution keys, binary, and near-miss versions of valid requests. Seeded, so a failure can be
 * replayed with the printed seed.
 */
export class Malformed {
  private state: number;

  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }

  /** mulberry32: small, fast and good enough to pick cases. */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(below: number): number {
    return Math.floor(this.next() * below);
  }

  pick<T>(options: readonly T[]): T {
    return options[this.int(options.length)] as T;
  }

  /** Any value a client could put on the wire where a request belongs. */
  value(depth = 0): unknown {
    const kind = this.int(depth > 2 ? 5 : 10);
    if (kind === 0) return this.pick(PRIMITIVES);
    if (kind === 1) return this.int(2) ? this.number() : this.pick(PRIMITIVES);
    if (kind === 2 || kind === 3) return this.string();
    if (kind === 4) return this.pick(POLLUTERS)();
    if (kind === 5) return this.nearMiss();
    if (kind === 6) return Array.from({ length: this.int(4) }, () => this.value(depth + 1));
    if (kind === 7) return this.binary();
    if (kind === 8) return this.deep(1 + this.int(400));
    return Object.fromEntries(Array.from({ length: this.int(5) }, () => [this.key(), this.value(depth + 1)]));
  }

  number(): number {
    return this.pick([
      0,
      -1,
      1,
      0.5,
      -0,
      2 ** 53,
      2 ** 53 + 2,
      -(2 ** 31),
      1e308,
      Number.MAX_VALUE,
      this.int(1e9),
    ]);
  }

  /** Strings from empty to larger than a packet may be, in scripts, controls, bidi overrides and lone surrogates. */
  string(): string {
    const unit = this.pick([
      "x",
      " ",
      "\u202e",
      "\u200b",
      "\ud800",
      "\udc00",
      "😀",
      "<script>",
      "\u0000",
      "ß",
      "\n",
    ]);
    const length = this.pick([0, 1, 2, 31, 33, 129, 257, 3999, 4001, 6000, this.int(100)]);
    return unit.repeat(length);
  }

  /** Rare on purpose: a packet above maxHttpBufferSize makes the server cut the connection. */
  oversized(): string {
    return "x".repeat(70 * 1024 + this.int(50_000));
  }

  binary(): Uint8Array {
    const bytes = new Uint8Array(this.pick([0, 1, 16, 4096]));
    for (let i = 0; i < bytes.length; i++) bytes[i] = this.int(256);
    return this.int(2) ? Buffer.from(bytes) : bytes;
  }

  deep(levels: number): unknown {
    let value: unknown = this.pick(PRIMITIVES);
    for (let i = 0; i < levels; i++) value = this.int(2) ? [value] : { [this.key()]: value };
    return value;
  }

  key(): string {
    return this.pick([
      "to",
      "text",
      "clientId",
      "with",
      "before",
      "limit",
      "after",
      "__proto__",
      "constructor",
      "x",
    ]);
  }

  /** A valid request of some event with one field broken, missing or joined by a hostile extra. */
  nearMiss(): Record<string, unknown> {
    const valid: Record<string, unknown> = this.pick([
      { to: null, text: "hi", clientId: `fuzz-${this.int(1e9)}` },
      { with: null, limit: 10 },
      { after: null },
    ]);
    const key = this.pick([...Object.keys(valid), "__proto__", "constructor", "extra"]);
    if (this.int(4) === 0) delete valid[key];
    else valid[key] = this.value(3);
    return valid;
  }
}

const PRIMITIVES: readonly unknown[] = [undefined, null, true, false, 0, "", "null", "[]", "{}"];

/** Own `__proto__` / `constructor` keys, as JSON.parse makes them (a literal would set the prototype). */
const POLLUTERS: readonly (() => unknown)[] = [
  () => JSON.parse('{"__proto__":{"polluted":true,"ok":true},"to":null,"text":"x","clientId":"p"}'),
  () => JSON.parse('{"constructor":{"prototype":{"polluted":true}},"after":null}'),
  () => JSON.parse('{"with":null,"__proto__":{"limit":100000}}'),
  () => JSON.parse('{"__proto__":[],"length":1e9}'),
];

/**
 * Socket.IO packets no real client would build, written straight to the transport: a packet's header
 * (type, attachments, namespace, ack id), then its JSON.
 */
export const RAW_PACKETS: readonly string[] = [
  '2["disconnect"]',
  `2${JSON.stringify(["newListener", CLIENT_EVENTS.send])}`,
  `20${JSON.stringify([CLIENT_EVENTS.send, {}])}`,
  `2999999999999999999999${JSON.stringify([CLIENT_EVENTS.sync, { after: null }])}`,
  "2",
  "2[",
  "2{}",
  `2${JSON.stringify(CLIENT_EVENTS.send)}`,
  "2[1]",
  "2[null]",
  "21[]",
  '3["x"]',
  "30[]",
  '0/admin,{"name":"x"}',
  `2/admin,${JSON.stringify([CLIENT_EVENTS.sync, { after: null }])}`,
  `51-${JSON.stringify([CLIENT_EVENTS.send, { _placeholder: true, num: 0 }])}`,
  `51-${JSON.stringify([CLIENT_EVENTS.send, { _placeholder: true, num: 7 }])}`,
  "4",
  "9",
  "x",
  "",
  "1",
];

/**
 * Event names a client may emit besides the protocol's (socket.io-client itself refuses the reserved ones):
 * among them the server's own events, sent back to it, and near misses of a client's.
 */
export const UNKNOWN_EVENTS: readonly string[] = [
  "",
  SERVER_EVENTS.message,
  SERVER_EVENTS.session,
  SERVER_EVENTS.users,
  SERVER_EVENTS.joined,
  "__proto__",
  "constructor",
  "toString",
  "hasOwnProperty",
  "emit",
  `${CLIENT_EVENTS.send} `,
  CLIENT_EVENTS.send.toUpperCase(),
  "x".repeat(1000),
];
