import * as v from "valibot";
import { ErrorCode } from "./errors.js";
import { LIMITS } from "./limits.js";
import {
  type AnswerTo,
  CLIENT_EVENTS,
  type RequestEventName,
  SERVER_EVENTS,
  type ServerEventName,
  type ServerPayload,
} from "./protocol.js";
import { MessageIdSchema, UserIdSchema } from "./schemas.js";

// What the server sends, as schemas. A client checks each payload before it acts on it: a message whose
// `sentAt` no Date can hold would throw while it is shown, and one that is not a message at all would be
// filed as one. The server's tests check everything it sends against these too.

/** The latest time a JavaScript Date can hold, in ms since the epoch. */
const LATEST_DATE_MS = 8.64e15;

const NameSchema = v.pipe(v.string(), v.minLength(1), v.maxLength(LIMITS.peerNameMaxLength));
const VersionSchema = v.pipe(v.string(), v.maxLength(LIMITS.presenceVersionMaxLength));
/** A user as the server names one: also what a client keeps of a peer across reloads. */
export const UserSummarySchema = v.object({ name: NameSchema, id: UserIdSchema });
const OnlineUserSchema = v.object({ ...UserSummarySchema.entries, away: v.optional(v.literal(true)) });
const UserChangeSchema = v.object({ ...UserSummarySchema.entries, v: VersionSchema });

const ChatMessageSchema = v.object({
  id: MessageIdSchema,
  from: NameSchema,
  fromId: UserIdSchema,
  to: v.nullable(NameSchema),
  toId: v.nullable(UserIdSchema),
  // Code points, of which each may take two UTF-16 units.
  text: v.pipe(v.string(), v.maxLength(2 * LIMITS.textMaxLength)),
  sentAt: v.pipe(v.number(), v.safeInteger(), v.minValue(0), v.maxValue(LATEST_DATE_MS)),
  clientId: v.pipe(v.string(), v.maxLength(LIMITS.clientIdMaxLength)),
});

const ServerPayloadSchemas: { [E in ServerEventName]: v.GenericSchema<unknown, ServerPayload<E>> } = {
  [SERVER_EVENTS.session]: v.object({
    token: v.pipe(v.string(), v.minLength(1), v.maxLength(LIMITS.tokenMaxLength)),
    name: NameSchema,
    id: UserIdSchema,
  }),
  [SERVER_EVENTS.users]: v.object({ users: v.array(OnlineUserSchema), v: VersionSchema }),
  [SERVER_EVENTS.usersSince]: v.object({
    since: VersionSchema,
    listed: v.array(OnlineUserSchema),
    left: v.array(UserSummarySchema),
    v: VersionSchema,
  }),
  [SERVER_EVENTS.joined]: UserChangeSchema,
  [SERVER_EVENTS.left]: UserChangeSchema,
  [SERVER_EVENTS.away]: UserChangeSchema,
  [SERVER_EVENTS.back]: UserChangeSchema,
  [SERVER_EVENTS.message]: ChatMessageSchema,
  [SERVER_EVENTS.typing]: UserSummarySchema,
};

/** Whether `payload` is what the protocol says `event` carries. */
export function isServerPayload<E extends ServerEventName>(
  event: E,
  payload: unknown,
): payload is ServerPayload<E> {
  return v.is(ServerPayloadSchemas[event], payload);
}

const RefusalSchema = v.object({
  ok: v.literal(false),
  error: v.object({
    code: v.picklist(Object.values(ErrorCode)),
    message: v.string(),
    retryAfterMs: v.optional(v.pipe(v.number(), v.minValue(0))),
  }),
});
const answerSchema = <T extends v.ObjectEntries>(entries: T) =>
  v.variant("ok", [v.object({ ok: v.literal(true), ...entries }), RefusalSchema]);

const AnswerSchemas: { [E in RequestEventName]: v.GenericSchema<unknown, AnswerTo<E>> } = {
  [CLIENT_EVENTS.send]: answerSchema({ message: ChatMessageSchema }),
  [CLIENT_EVENTS.history]: answerSchema({
    messages: v.pipe(v.array(ChatMessageSchema), v.maxLength(LIMITS.historyPageMax)),
  }),
  [CLIENT_EVENTS.sync]: answerSchema({
    messages: v.pipe(v.array(ChatMessageSchema), v.maxLength(LIMITS.syncPageMax)),
    more: v.boolean(),
  }),
  [CLIENT_EVENTS.typing]: answerSchema({}),
};

/** Whether `answer` is what the protocol says a request of `event` is answered with. */
export function isAnswerTo<E extends RequestEventName>(event: E, answer: unknown): answer is AnswerTo<E> {
  return v.is(AnswerSchemas[event], answer);
}
