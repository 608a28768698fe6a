import { createPinia, setActivePinia } from "pinia";
import { beforeEach, describe, expect, it } from "vitest";
import { conversationId } from "./conversation";
import { useWindows } from "./windows";

const bob = { name: "Bob", id: "c7yUQ2V0cgyiFwRD" };
const cleo = { name: "Cleo", id: "Y2xlb0Nsb3NlZElk" };
const bobs = conversationId(bob);

describe("a minimised private window", () => {
  beforeEach(() => setActivePinia(createPinia()));

  it("stays open, and its new messages are not seen, even while the focus is on its title bar", () => {
    const windows = useWindows();
    windows.show(bob);
    windows.focusIn(bobs);
    expect(windows.sees(bobs)).toBe(true);
    windows.minimise(bobs);
    expect(windows.isOpen(bob)).toBe(true);
    expect(windows.sees(bobs)).toBe(false);
    windows.expand(bobs);
    expect(windows.sees(bobs)).toBe(true);
  });

  it("is shown whole when asked to come into view (the online list, the strip, a notification)", () => {
    const windows = useWindows();
    windows.show(bob);
    windows.minimise(bobs);
    windows.requestFocus(bobs);
    expect(windows.isMinimised(bobs)).toBe(false);
    expect(windows.focusRequest).toBe(bobs);
  });

  it("opens whole again once closed, and a reload keeps only open windows minimised", () => {
    const windows = useWindows();
    windows.show(bob);
    windows.minimise(bobs);
    windows.close(bob);
    windows.show(bob);
    expect(windows.isMinimised(bobs)).toBe(false);

    windows.restore([bob], [cleo], [bobs, conversationId(cleo), "private:nobody"]);
    expect(windows.minimised).toEqual([bobs]);
  });
});
