/**
 * A reason the server cannot start that its operator fixes (a bad variable, a DATA_DIR in use, a port
 * taken): main logs its message alone, with no stack trace, and exits.
 */
export class StartupError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "StartupError";
  }
}
