import { describe, expect, it } from "vitest";
import { PresenceLog } from "./presence-log.js";

const ann = { name: "Ann", id: "a1" };
const bob = { name: "Bob", id: "b1" };
const cid = { name: "Cid", id: "c1" };

describe("the presence log", () => {
  it("gives each change a new version, and the identities changed since any of them", () => {
    const log = new PresenceLog();
    const start = log.version;
    const afterAnn = log.record(ann);
    log.record(bob);
    log.record({ name: "Ann", id: "a1" });
    expect(new Set([start, afterAnn, log.version]).size).toBe(3);
    expect([...(log.changedSince(start)?.values() ?? [])]).toEqual([ann, bob]);
    expect([...(log.changedSince(afterAnn)?.keys() ?? [])]).toEqual(["b1", "a1"]);
    expect(log.changedSince(log.version)?.size).toBe(0);
  });

  it("names each identity as its latest change does", () => {
    const log = new PresenceLog();
    const start = log.version;
    log.record(bob);
    log.record({ name: "Robert", id: "b1" });
    expect(log.changedSince(start)?.get("b1")).toEqual({ name: "Robert", id: "b1" });
  });

  it("knows no version of another process, a later run, or one it never gave", () => {
    const log = new PresenceLog();
    log.record(ann);
    const other = new PresenceLog();
    other.record(ann);
    const [epoch] = log.version.split(":");
    for (const version of [
      other.version,
      `${epoch}:2`,
      `${epoch}:-1`,
      `${epoch}:1.0`,
      `${epoch}:`,
      "",
      "1",
      ":1",
    ])
      expect(log.changedSince(version), version).toBeNull();
  });

  it("knows no version it gave before a restart, and numbers the changes after it afresh", () => {
    const log = new PresenceLog();
    const before = log.record(ann);
    log.restart();
    expect(log.changedSince(before)).toBeNull();
    const since = log.version;
    log.record(bob);
    expect([...(log.changedSince(since)?.values() ?? [])]).toEqual([bob]);
  });

  it("keeps the latest changes only: a version older than those is no longer known", () => {
    const log = new PresenceLog(2);
    const start = log.version;
    log.record(ann);
    const afterAnn = log.version;
    log.record(bob);
    expect(log.changedSince(start)?.size).toBe(2);
    // Four changes held at most, then back to the latest two.
    log.record(cid);
    log.record(ann);
    expect(log.changedSince(start)).toBeNull();
    expect(log.changedSince(afterAnn)).toBeNull();
    const kept = log.changedSince(log.version.replace(/\d+$/, "2"));
    expect([...(kept?.keys() ?? [])]).toEqual(["c1", "a1"]);
  });
});
