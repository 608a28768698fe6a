import type { Namespace } from "socket.io";
import type { Adapter } from "socket.io-adapter";
import { requireInternal } from "../../library-internals.js";
import type { AdapterFactory } from "../io.js";

/** What this needs of an adapter's encoding step, which its typings keep private. */
interface FrameEncoder {
  _encode(packet: unknown, packetOpts: { wsPreEncodedFrame?: Buffer[] }): unknown[];
}

/**
 * The adapter frames a broadcast once as a WebSocket header and a payload, and ws writes those two to
 * every socket as cork, write, write, uncork: four stream calls and a two-part writev per socket. Joined
 * into one buffer once per broadcast, each socket gets a single plain write.
 */
export function singleBufferFrames(Base: AdapterFactory): (nsp: Namespace) => Adapter {
  // Socket.IO calls its adapter option with `new`, whether it is a class (the in-memory adapter) or a
  // factory function (a cluster adapter's, and this one): a factory's returned object is the adapter.
  const Adapter = Base as new (nsp: Namespace) => Adapter;
  return function singleBufferFramesAdapter(nsp) {
    const adapter = new Adapter(nsp);
    requireInternal(adapter, "_encode", "socket.io-adapter");
    const encoder = adapter as unknown as FrameEncoder;
    const encode = encoder._encode.bind(adapter);
    encoder._encode = (packet, packetOpts) => {
      const encoded = encode(packet, packetOpts);
      const frame = packetOpts.wsPreEncodedFrame;
      if (frame?.length === 2) packetOpts.wsPreEncodedFrame = [Buffer.concat(frame)];
      return encoded;
    };
    return adapter;
  };
}
