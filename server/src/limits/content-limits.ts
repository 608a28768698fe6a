import {
  codePointLength,
  ErrorCode,
  failure,
  type HistoryRequest,
  type Parsed,
  parseHandshakeAuth,
  parseHistoryRequest,
  parseSendRequest,
  parseSyncRequest,
  parseTypingRequest,
  type SendRequest,
} from "@chat/shared";
import type { Limits } from "./settings.js";

/**
 * The protocol's parsers, narrowed to this server's content limits. With the protocol's own maxima
 * (the default) the extra checks never refuse anything the shared schemas accept.
 */
export function requestParsers(limits: Pick<Limits, "textMaxLength" | "nameMaxLength" | "historyPageMax">) {
  return {
    send(raw: unknown): Parsed<SendRequest> {
      const req = parseSendRequest(raw);
      if (req.ok && codePointLength(req.value.text) > limits.textMaxLength) {
        return failure(
          ErrorCode.TEXT_INVALID,
          `text: Message text has at most ${limits.textMaxLength} characters.`,
        );
      }
      return req;
    },
    history(raw: unknown): Parsed<HistoryRequest> {
      const req = parseHistoryRequest(raw);
      if (req.ok && (req.value.limit ?? 0) > limits.historyPageMax) {
        return failure(
          ErrorCode.BAD_REQUEST,
          `limit: A history page has at most ${limits.historyPageMax} messages.`,
        );
      }
      return req;
    },
    sync: parseSyncRequest,
    typing: parseTypingRequest,
    auth(raw: unknown): ReturnType<typeof parseHandshakeAuth> {
      const auth = parseHandshakeAuth(raw);
      if (auth.ok && "name" in auth.value && codePointLength(auth.value.name) > limits.nameMaxLength) {
        return failure(ErrorCode.NAME_INVALID, `A name has at most ${limits.nameMaxLength} characters.`);
      }
      return auth;
    },
  };
}

export type RequestParsers = ReturnType<typeof requestParsers>;
