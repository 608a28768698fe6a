import { afterEach, expect } from "vitest";
import { takeMalformedEvents } from "./chat-client.js";

// A setup file of the tests that connect users (vitest.config.ts): whatever a test was about, what its
// users received must have had the protocol's shape.
afterEach(() => {
  expect(takeMalformedEvents(), "events the protocol does not allow").toEqual([]);
});
