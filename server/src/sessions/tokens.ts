import { createHash, randomBytes } from "node:crypto";

/** 256 random bits, URL-safe. */
export function newToken(): string {
  return randomBytes(32).toString("base64url");
}

/** 96 random bits: identities are not secrets, only unguessable enough never to collide. */
export function newUserId(): string {
  return randomBytes(12).toString("base64url");
}

/**
 * Tokens are stored and looked up by their SHA-256 only: a leaked database holds no usable token, and
 * since the lookup key is a hash of the secret, its timing tells an attacker nothing about the secret.
 */
export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("base64url");
}
