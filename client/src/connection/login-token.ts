/**
 * The token a new session is to have, made here (`auth: { name, newToken }`): known before the server
 * answers, so that a login whose connection drops before `session` arrives is resumed by its retry, instead
 * of finding its own name taken. 32 random bytes, base64url, as the protocol asks.
 */
export function loginToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes))
    .replaceAll("+", "-")
    .replaceAll("/", "_")
    .replace(/=+$/, "");
}
