/** Protocol limits. Servers may be configured lower (issue: hardening), never higher than a client can rely on. */
export const LIMITS = {
  /** Display names, in Unicode code points after trimming and NFC normalisation. */
  nameMaxLength: 32,
  /** Message text, in Unicode code points. */
  textMaxLength: 4000,
  /** Client-chosen idempotency key of a send. */
  clientIdMaxLength: 64,
  /** Page size of `history:get` when the request names none. */
  historyPageDefault: 50,
  historyPageMax: 200,
  /** Messages in one `sync` answer; `more: true` says there is another page. */
  syncPageMax: 500,
} as const;
