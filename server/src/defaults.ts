/** What the server runs with unless told otherwise (ChatServerOptions, or the environment: config.ts). */
export const DEFAULTS = {
  /** Every interface. */
  host: "0.0.0.0",
  presenceGraceMs: 60_000,
  /** Longer than a reload or a reconnect takes. */
  presenceAwayMs: 5_000,
  presenceSweepMs: 5_000,
  /** Each change at once after a quiet spell; in a burst, many in one frame per socket (PresenceRounds). */
  presenceRoundMs: 50,
  /** Socket.IO's default recovery window. */
  recoveryWindowMs: 120_000,
  /** Half the web client's wait for an answer, so that the client hears "try again" before it gives up. */
  requestDeadlineMs: 5_000,
  /** Engine.IO's defaults. */
  heartbeat: { intervalMs: 25_000, timeoutMs: 20_000 },
};
