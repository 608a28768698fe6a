/** Protocol limits. Servers may be configured lower (README, "Limits"), never higher than a client can rely on. */
export const LIMITS = {
  /** Display names, in Unicode code points after trimming and NFC normalisation. */
  nameMaxLength: 32,
  /**
   * A name as a client may type it in `to` or `with`, in UTF-16 units, before the server normalises it:
   * room for the characters that show nothing and for surrogate pairs, and still a short string.
   */
  peerNameMaxLength: 128,
  /** A resume token in `auth`, in characters; the server's are 43. */
  tokenMaxLength: 256,
  /** A presence version in `auth`, in characters; the server's are shorter. */
  presenceVersionMaxLength: 64,
  /** Message text, in Unicode code points. */
  textMaxLength: 4000,
  /** Client-chosen idempotency key of a send. */
  clientIdMaxLength: 64,
  /** A user's `id`, as `toId` of a send; the server's ids are shorter. */
  userIdMaxLength: 64,
  /** Page size of `history:get` when the request names none. */
  historyPageDefault: 50,
  historyPageMax: 200,
  /** Messages in one `sync` answer; `more: true` says there is another page. */
  syncPageMax: 500,
  /**
   * A `sync` page also ends once its messages' text passes this many characters (UTF-16 units), after at
   * least one message: a page of long messages stays about a megabyte, which a slow client can read.
   */
  syncPageMaxChars: 262_144,
  /**
   * A `history:get` or `sync` answer spends one more read of the identity's rate limit for every this
   * many characters (UTF-16 units) of message text in it: a small request buys a large answer only once.
   */
  answerCharsPerRead: 16_384,
  /** A client sends `typing` at most this often to one peer while its user types. */
  typingNoticeEveryMs: 3000,
  /**
   * How long a client shows that a peer is typing after their last notice: one notice may come late or
   * not at all without the indicator flickering off between two.
   */
  typingShownMs: 6000,
} as const;
