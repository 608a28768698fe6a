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
 * The identity of a login that brought its own token (see Sessions.login): every attempt of that login, on
 * any process, is the same identity, and so holds the name it claimed rather than finding it taken. One-way,
 * like the hash, and apart from it: the identity is public, and says nothing of the token or its hash.
 */
export function userIdOf(token: string, nameKey: string): string {
  return createHash("sha256")
    .update(`user id\0${nameKey}\0${token}`)
    .digest()
    .subarray(0, 12)
    .toString("base64url");
}

/**
 * Tokens are stored and looked up by their SHA-256 only: a leaked database holds no usable token. This is
 * also why no constant-time comparison is needed: the secret is never compared, only its hash is used as
 * an index key, and how long an index lookup takes says something about the hash, which an attacker cannot
 * turn back into a token. A backend that ever compares secrets or hashes itself must use
 * crypto.timingSafeEqual.
 */
export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("base64url");
}
