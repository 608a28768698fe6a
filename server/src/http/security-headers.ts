import type { ServerResponse } from "node:http";

/**
 * The page may run only its own bundled script and style: no inline script, no eval, no plugins, no
 * framing, and it talks only to its own origin (in CSP Level 3 'self' covers ws:/wss: of the same host).
 * Whatever a user manages to get into the page cannot run.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

export function setSecurityHeaders(res: ServerResponse): void {
  res.setHeader("content-security-policy", CONTENT_SECURITY_POLICY);
  res.setHeader("x-content-type-options", "nosniff");
  res.setHeader("referrer-policy", "no-referrer");
}
