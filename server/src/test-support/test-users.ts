import { expect } from "vitest";
import { ChatUser, Refused } from "./chat-client.js";

type Options = Parameters<typeof ChatUser.connect>[2];

/** The users a test file connects to its server, closed together after each test (closeAll). */
export class TestUsers {
  private readonly open: ChatUser[] = [];

  /** `url`: the server of the test under way. */
  constructor(private readonly url: () => string) {}

  async login(name: string, options?: Options): Promise<ChatUser> {
    return this.connect({ name }, options);
  }

  async connect(auth: Record<string, unknown>, options?: Options): Promise<ChatUser> {
    return this.add(await ChatUser.connect(this.url(), auth, options));
  }

  /** Another tab of this identity. */
  async tab(of: ChatUser): Promise<ChatUser> {
    return this.connect({ token: of.token });
  }

  /** A user connected some other way, closed with the rest. */
  add(user: ChatUser): ChatUser {
    this.open.push(user);
    return user;
  }

  /** The refusal of a handshake that must be refused; a user let in instead fails the test (and is closed). */
  async refusal(attempt: Promise<ChatUser>): Promise<Refused> {
    const error = await attempt.then(
      (user) => {
        this.add(user);
        throw new Error("expected the handshake to be refused");
      },
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(Refused);
    return error as Refused;
  }

  closeAll(): void {
    for (const user of this.open.splice(0)) user.close();
  }
}
