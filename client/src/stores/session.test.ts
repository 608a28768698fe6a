import { createPinia, setActivePinia } from "pinia";
import { beforeEach, describe, expect, it } from "vitest";
import { useSession } from "./session";

describe("the session's login", () => {
  beforeEach(() => setActivePinia(createPinia()));

  it("offers its name again on the login view, also when it never got an answer (a reload goes on with it)", () => {
    const session = useSession();
    session.joining({ name: "Ann", newToken: "made-by-the-tab" });
    session.signedOut("Cannot reach the server.");
    expect(session.lastName).toBe("Ann");
    expect(session.pendingLogin).toEqual({ name: "Ann", newToken: "made-by-the-tab" });
  });

  it("marks the name refused only from a refusal of the name until it is tried again", () => {
    const session = useSession();
    session.joining({ name: "Ann", newToken: "made-by-the-tab" });
    session.signedOut("That name is taken.", { nameRefused: true });
    expect(session.nameRefused).toBe(true);
    session.joining({ name: "Ann", newToken: "made-by-the-tab" });
    expect(session.nameRefused).toBe(false);
    session.signedOut("Cannot reach the server.");
    expect(session.nameRefused).toBe(false);
  });
});
