import * as v from "valibot";
import { ErrorCode, failure, type Result, SESSION_ENDED } from "./errors.js";
import { LIMITS } from "./limits.js";
import { codePointLength, nameProblem, normalizeName, showsNothing } from "./names.js";
import type { HandshakeAuth, HistoryRequest, SendRequest, SyncRequest, TypingRequest } from "./protocol.js";

/** Lone surrogates cannot be stored or shown; in a /u regex \p{Cs} matches only unpaired ones. */
const LONE_SURROGATE = /\p{Cs}/u;

/** Control characters other than tab and line breaks: nothing to show, and JSON spells each in 6 bytes. */
const CONTROL = /[^\P{Cc}\t\n\r]/u;

export const MessageIdSchema = v.pipe(v.number(), v.safeInteger(), v.minValue(1));

/**
 * The limits of content a server enforces: the protocol's (LIMITS), or lower ones it was configured with,
 * never higher (clients rely on the protocol's).
 */
export type ContentLimits = Record<"textMaxLength" | "nameMaxLength" | "historyPageMax", number>;

const nameSchema = (maxLength: number) =>
  v.pipe(
    v.string("A name must be text."),
    v.transform(normalizeName),
    v.rawCheck(({ dataset, addIssue }) => {
      const problem = dataset.typed ? nameProblem(dataset.value, maxLength) : null;
      if (problem) addIssue({ message: problem });
    }),
  );

const textSchema = (maxLength: number) =>
  v.pipe(
    v.string("Message text must be a string."),
    v.check((text) => !showsNothing(text), "Message text is empty, or shows nothing."),
    v.check(
      (text) => codePointLength(text) <= maxLength,
      `Message text has at most ${maxLength} characters.`,
    ),
    v.check((text) => !LONE_SURROGATE.test(text), "Message text is not well-formed Unicode."),
    v.check((text) => !CONTROL.test(text), "Message text may not contain control characters."),
  );

const protocolText = textSchema(LIMITS.textMaxLength);

/**
 * Why the server would refuse this message text (with the protocol's limits), or null: for a composer to
 * say so before anything is sent.
 */
export function textProblem(text: string): string | null {
  const result = v.safeParse(protocolText, text);
  return result.success ? null : (result.issues[0]?.message ?? "Message text is not valid.");
}

/** A peer as a client addresses it; resolved to a user (or NO_SUCH_USER) by the server. */
const PeerNameSchema = v.pipe(v.string(), v.maxLength(LIMITS.peerNameMaxLength));

export const UserIdSchema = v.pipe(v.string(), v.maxLength(LIMITS.userIdMaxLength));

const sendRequestSchema = (limits: ContentLimits) =>
  v.pipe(
    v.object({
      to: v.nullable(PeerNameSchema),
      toId: v.nullish(UserIdSchema),
      text: textSchema(limits.textMaxLength),
      // Well-formed: stores would replace a lone surrogate, so two different clientIds could become one.
      clientId: v.pipe(
        v.string(),
        v.minLength(1),
        v.maxLength(LIMITS.clientIdMaxLength),
        v.check((id) => !LONE_SURROGATE.test(id), "clientId is not well-formed Unicode."),
      ),
    }),
    // A client that lost the peer's name but kept the id must not publish to everyone what was for one.
    v.check(
      (req) => req.to !== null || req.toId == null,
      "toId names the recipient of a private message: the group chat (to: null) has none.",
    ),
  );

const historyRequestSchema = (limits: ContentLimits) =>
  v.pipe(
    v.object({
      with: v.nullable(PeerNameSchema),
      withId: v.nullish(UserIdSchema),
      before: v.nullish(MessageIdSchema),
      limit: v.nullish(
        v.pipe(
          v.number(),
          v.safeInteger(),
          v.minValue(1),
          v.maxValue(limits.historyPageMax, `A history page has at most ${limits.historyPageMax} messages.`),
        ),
      ),
    }),
    v.check(
      (req) => req.with !== null || req.withId == null,
      "withId names the person of a private conversation: the group chat (with: null) has none.",
    ),
  );

const TypingRequestSchema = v.object({
  to: PeerNameSchema,
  toId: v.nullish(UserIdSchema),
});

const SyncRequestSchema = v.object({
  after: v.nullable(v.pipe(v.number(), v.safeInteger(), v.minValue(0))),
});

const HandshakeAuthSchema = v.object({
  token: v.optional(v.unknown()),
  name: v.optional(v.unknown()),
  newToken: v.optional(v.unknown()),
  logout: v.optional(v.unknown()),
  presence: v.optional(v.unknown()),
});
const PresenceVersionSchema = v.nullish(
  v.pipe(v.string("A presence version is text."), v.maxLength(LIMITS.presenceVersionMaxLength)),
  null,
);
/** As the server makes them: anything shorter is guessable, and the client's own secret. */
const NEW_TOKEN_FORM = "32 random bytes, base64url without padding (43 characters).";
const NewTokenSchema = v.nullish(
  v.pipe(v.string(NEW_TOKEN_FORM), v.regex(/^[A-Za-z0-9_-]{43}$/, NEW_TOKEN_FORM)),
  null,
);
const TokenSchema = v.pipe(
  v.string(SESSION_ENDED),
  v.minLength(1, SESSION_ENDED),
  v.maxLength(LIMITS.tokenMaxLength, SESSION_ENDED),
);

function isPlainObject(raw: unknown): boolean {
  if (typeof raw !== "object" || raw === null) return false;
  const prototype: unknown = Object.getPrototypeOf(raw);
  return prototype === Object.prototype || prototype === null;
}

/** A parsed request: the same shape as an answer, so a refusal is passed on as the answer unchanged. */
export type Parsed<T> = Result<{ value: T }>;

/** An optional field of `auth`, refused with BAD_REQUEST, naming it, when malformed. */
function authField<T>(field: string, schema: v.GenericSchema<unknown, T>, raw: unknown): Parsed<T> {
  const parsed = parseWith(schema, raw, badRequest);
  return parsed.ok ? parsed : failure(ErrorCode.BAD_REQUEST, `${field}: ${parsed.error.message}`);
}

function parseWith<T>(
  schema: v.GenericSchema<unknown, T>,
  raw: unknown,
  codeFor: (issue: v.BaseIssue<unknown>) => ErrorCode,
): Parsed<T> {
  const result = v.safeParse(schema, raw);
  if (result.success) return { ok: true, value: result.output };
  const [issue] = result.issues;
  const field = v.getDotPath(issue);
  // Valibot words a missing key as a type mismatch of the object; say plainly which one is missing.
  const missing = field !== null && issue.input === undefined;
  const message = missing ? `${field} is missing.` : field ? `${field}: ${issue.message}` : issue.message;
  return failure(codeFor(issue), message);
}

const badRequest = () => ErrorCode.BAD_REQUEST;

/**
 * A request's payload. Valibot takes an array or a Buffer for an object and reads inherited members as
 * fields (an array's `with` is a function): only what JSON makes of `{…}` is a request.
 */
function parseRequest<T>(
  schema: v.GenericSchema<unknown, T>,
  raw: unknown,
  codeFor: (issue: v.BaseIssue<unknown>) => ErrorCode = badRequest,
): Parsed<T> {
  if (!isPlainObject(raw)) return failure(ErrorCode.BAD_REQUEST, "The payload must be an object.");
  return parseWith(schema, raw, codeFor);
}

/** Text problems get TEXT_INVALID so a client can show them on the composer; all else is BAD_REQUEST. */
const textOrBadRequest = (issue: v.BaseIssue<unknown>) =>
  v.getDotPath(issue) === "text" ? ErrorCode.TEXT_INVALID : ErrorCode.BAD_REQUEST;

/** The parsers of every request, refusing what is over `limits` (the protocol's own by default). */
export function requestParsers(limits: ContentLimits = LIMITS) {
  const schemas = {
    name: nameSchema(limits.nameMaxLength),
    send: sendRequestSchema(limits),
    history: historyRequestSchema(limits),
  };
  const name = (raw: unknown): Parsed<string> => parseWith(schemas.name, raw, () => ErrorCode.NAME_INVALID);
  return {
    send: (raw: unknown): Parsed<SendRequest> => parseRequest(schemas.send, raw, textOrBadRequest),
    history: (raw: unknown): Parsed<HistoryRequest> => parseRequest(schemas.history, raw),
    sync: (raw: unknown): Parsed<SyncRequest> => parseRequest(SyncRequestSchema, raw),
    typing: (raw: unknown): Parsed<TypingRequest> => parseRequest(TypingRequestSchema, raw),
    name,
    /**
     * `{ token }` resumes (or, with `logout: true` and nothing else, ends), `{ name }` logs in; a token wins
     * when both are given, and a null one counts as none. A resume may carry `presence`, a version (or null),
     * and a login `newToken` (or null).
     */
    auth(raw: unknown): Parsed<Required<HandshakeAuth>> {
      const auth = v.safeParse(HandshakeAuthSchema, raw ?? {});
      if (!auth.success)
        return failure(ErrorCode.NAME_INVALID, "Log in with { name } or resume with { token }.");
      if (auth.output.token !== undefined && auth.output.token !== null) {
        const token = parseWith(TokenSchema, auth.output.token, () => ErrorCode.SESSION_EXPIRED);
        if (!token.ok) return token;
        const presence = authField("presence", PresenceVersionSchema, auth.output.presence);
        if (!presence.ok) return presence;
        const logout = auth.output.logout === true;
        return { ok: true, value: { token: token.value, logout, presence: presence.value } };
      }
      const parsed = name(auth.output.name);
      if (!parsed.ok) return parsed;
      const newToken = authField("newToken", NewTokenSchema, auth.output.newToken);
      if (!newToken.ok) return newToken;
      return { ok: true, value: { name: parsed.value, newToken: newToken.value } };
    },
  };
}

export type RequestParsers = ReturnType<typeof requestParsers>;

/** With the protocol's limits: what every server accepts. */
export const {
  send: parseSendRequest,
  history: parseHistoryRequest,
  sync: parseSyncRequest,
  typing: parseTypingRequest,
  name: parseName,
  auth: parseHandshakeAuth,
} = requestParsers();
