/*
 * One counting client's connection (see counter.c): connecting, the WebSocket upgrade, the login (and,
 * with sessions, the token it keeps), then its frames, counted without being decoded.
 */
#include "counter.h"

static unsigned char buf[1 << 18];

void fail(const char *why, int index) {
  printf("failed %s (client %d)\n", why, first_index + index);
  fflush(stdout);
  exit(1);
}

/* A client frame: masked, with a zero key, which leaves the payload as it is. */
static void send_text(Conn *c, const char *text) {
  unsigned char frame[256];
  size_t len = strlen(text), header = len < 126 ? 2 : 4;
  if (header + 4 + len > sizeof frame) fail("client frame too long", 0);
  frame[0] = 0x81;
  frame[1] = 0x80 | (unsigned char)(len < 126 ? len : 126);
  frame[2] = (unsigned char)(len >> 8); /* overwritten by the key when the length is short */
  frame[3] = (unsigned char)len;
  memset(frame + header, 0, 4);
  memcpy(frame + header + 4, text, len);
  if (write(c->fd, frame, header + 4 + len) < 0) { /* a dead socket shows up as a failed read */ }
}

/* The value of "key":"…" in a JSON payload, copied into `out`; 0 when the payload has none. */
static int string_field(const unsigned char *payload, size_t len, const char *key, char *out, size_t max) {
  char quoted[32];
  int n = snprintf(quoted, sizeof quoted, "\"%s\":\"", key);
  const unsigned char *at = memmem(payload, len, quoted, (size_t)n);
  if (!at) return 0;
  at += n;
  size_t k = 0;
  while (at + k < payload + len && at[k] != '"' && k < max - 1) k++;
  memcpy(out, at, k);
  out[k] = 0;
  return 1;
}

/* A frame's last bytes, as they stream in: where a broadcast's recovery offset is, and a presence version. */
static void keep_tail(Conn *c, const unsigned char *p, long k) {
  long cap = (long)sizeof c->tail;
  if (k >= cap) {
    memcpy(c->tail, p + k - cap, (size_t)cap);
    c->tail_len = (int)cap;
    return;
  }
  long keep = c->tail_len + k > cap ? cap - k : c->tail_len;
  memmove(c->tail, c->tail + c->tail_len - keep, (size_t)keep);
  memcpy(c->tail + keep, p, (size_t)k);
  c->tail_len = (int)(keep + k);
}

/* A chat message with recovery on ends in its offset, a string after the payload: …},"<offset>"]. */
static void keep_offset(Conn *c) {
  int end = c->tail_len - 2;
  if (end < 1 || c->tail[end] != '"' || c->tail[end + 1] != ']') return;
  int start = end - 1;
  while (start >= 0 && c->tail[start] != '"') start--;
  if (start < 1 || c->tail[start - 1] != ',' || end - start - 1 >= RECOVERY_ID_MAX) return;
  memcpy(c->offset, c->tail + start + 1, (size_t)(end - start - 1));
  c->offset[end - start - 1] = 0;
}

/* An online list or a change of it ends in the list's version: …,"v":"<version>"}]. */
static void keep_version(Conn *c) {
  int end = c->tail_len - 3;
  if (end < 1 || memcmp(c->tail + end, "\"}]", 3) != 0) return;
  int start = end - 1;
  while (start >= 0 && c->tail[start] != '"') start--;
  if (start < 4 || memcmp(c->tail + start - 4, "\"v\":", 4) != 0 || end - start - 1 >= VERSION_MAX) return;
  memcpy(c->version, c->tail + start + 1, (size_t)(end - start - 1));
  c->version[end - start - 1] = 0;
}

void drop_fd(Conn *c) {
  epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
  close(c->fd);
  free(c->pending);
  c->pending = NULL;
  c->pending_len = 0;
  if (c->state == READY) ready--;
  else in_flight--;
  c->state = CLOSED;
}

/* Outside a storm, a client that cannot log in ends the run; in one, it is refused and tries again later. */
static void login_failed(Conn *c, int index, const char *why) {
  if (!storming) fail(why, index);
  drop_fd(c);
  storm_refusals++;
  c->retry_at = now_ms() + 500 + rand() % 1000;
}

static void close_conn(Conn *c, int index) {
  if (c->state != READY || (storming && !c->back)) return login_failed(c, index, "connection closed before login");
  drop_fd(c);
  closed_count++;
}

static void finish_frame(Conn *c, int index) {
  if (c->opcode == 8) return close_conn(c, index);
  if (c->opcode != 1 && c->opcode != 2) return;
  /* Engine.IO message '4', Socket.IO ack '3': the only ack a counting client waits for is its sync's. */
  if (storming && !c->back && c->first_byte == '4' && c->second_byte == '3') return is_back(c);
  if (socket_io && c->frame_len == 1 && c->first_byte == '2') return send_text(c, "3"); /* ping -> pong */
  if (c->is_chat) {
    if (session_prefix) keep_offset(c);
    chat++;
    chat_bytes += c->frame_len;
  } else {
    if (session_prefix) keep_version(c);
    other++;
    other_bytes += c->frame_len;
  }
}

/* Streams frames through, counting them; payloads are only scanned for the marker. */
static void count_frames(Conn *c, int index, const unsigned char *p, long n) {
  long i = 0;
  while (i < n && c->state == READY) {
    if (c->remaining > 0) {
      long k = n - i < c->remaining ? n - i : c->remaining;
      long offset = c->frame_len - c->remaining;
      if (offset == 0) c->first_byte = p[i];
      if (offset <= 1 && offset + k > 1) c->second_byte = p[i + 1 - offset];
      if (!c->is_chat && memchr(p + i, '~', k)) c->is_chat = 1;
      if (session_prefix) keep_tail(c, p + i, k);
      i += k;
      c->remaining -= k;
      if (c->remaining == 0) finish_frame(c, index);
      continue;
    }
    c->header[c->header_len++] = p[i++];
    if (c->header_len < 2) continue;
    int short_len = c->header[1] & 0x7f;
    int needed = short_len == 126 ? 4 : short_len == 127 ? 10 : 2;
    if (c->header_len < needed) continue;
    long len = short_len;
    if (short_len == 126) len = (c->header[2] << 8) | c->header[3];
    if (short_len == 127) {
      len = 0;
      for (int b = 4; b < 10; b++) len = (len << 8) | c->header[b];
    }
    c->opcode = c->header[0] & 0x0f;
    c->frame_len = c->remaining = len;
    c->is_chat = 0;
    c->tail_len = 0;
    c->header_len = 0;
    if (len == 0) finish_frame(c, index);
  }
}

static void become_ready(Conn *c, int index, size_t consumed) {
  int stormed = storming;
  c->state = READY;
  ready++;
  in_flight--;
  if (!stormed && rcvlowat > 1) setsockopt(c->fd, SOL_SOCKET, SO_RCVLOWAT, &rcvlowat, sizeof rcvlowat);
  unsigned char *rest = c->pending;
  size_t rest_len = c->pending_len - consumed;
  c->pending = NULL;
  c->pending_len = 0;
  count_frames(c, index, rest + consumed, (long)rest_len);
  free(rest);
  if (stormed && c->state == READY) {
    if (storm_sync[0] && !c->recovered) send_text(c, storm_sync);
    else is_back(c);
  }
  if (!stormed && ready == target) {
    printf("connected %d\n", ready);
    fflush(stdout);
  }
}

/* The server's CONNECT answer, {"sid":"…","pid":"…"} when it offers recovery: the same pid as before
 * means the socket was recovered. */
static void on_connect_answer(Conn *c, const unsigned char *payload, size_t len) {
  char pid[RECOVERY_ID_MAX];
  if (!string_field(payload, len, "pid", pid, sizeof pid)) return;
  if (storming && c->pid[0] && strcmp(pid, c->pid) == 0) {
    c->recovered = 1;
    storm_recovered++;
  }
  memcpy(c->pid, pid, sizeof pid);
}

/* Logs in, or resumes with the token it keeps and the version of the online list it holds, as the web
 * client does; in a recovering storm it also asks for its connection back. */
static void send_login(Conn *c, int index) {
  char login[320], presence[VERSION_MAX + 16] = "";
  if (!c->token[0]) {
    snprintf(login, sizeof login, "40{\"name\":\"u%d\"}", first_index + index);
    return send_text(c, login);
  }
  if (c->version[0]) snprintf(presence, sizeof presence, ",\"presence\":\"%s\"", c->version);
  if (storming && storm_recovers && c->pid[0] && c->offset[0])
    snprintf(login, sizeof login, "40{\"token\":\"%s\"%s,\"pid\":\"%s\",\"offset\":\"%s\"}", c->token, presence,
             c->pid, c->offset);
  else snprintf(login, sizeof login, "40{\"token\":\"%s\"%s}", c->token, presence);
  send_text(c, login);
}

/* Upgrade response, then (Socket.IO) the open packet, our login, and the server's CONNECT answer. */
static void advance_login(Conn *c, int index) {
  size_t at = 0;
  if (c->state == UPGRADING) {
    unsigned char *end = memmem(c->pending, c->pending_len, "\r\n\r\n", 4);
    if (!end) return;
    if (c->pending_len < 12 || memcmp(c->pending, "HTTP/1.1 101", 12) != 0)
      return login_failed(c, index, "upgrade refused");
    at = (size_t)(end - c->pending) + 4;
    if (!socket_io) return become_ready(c, index, at);
    c->state = LOGGING_IN;
  }
  /* Login frames are small: short lengths only, and whole before they are looked at. */
  while (c->pending_len - at >= 2) {
    unsigned char *f = c->pending + at;
    size_t len = f[1] & 0x7f;
    size_t header = len == 126 ? 4 : 2;
    if (len == 126) {
      if (c->pending_len - at < 4) break;
      len = (f[2] << 8) | f[3];
    }
    if (c->pending_len - at < header + len) break;
    unsigned char *payload = f + header;
    at += header + len;
    if (len >= 1 && payload[0] == '0') {
      send_login(c, index);
    } else if (len >= 2 && payload[0] == '4' && payload[1] == '0') {
      if (!session_prefix) return become_ready(c, index, at);
      on_connect_answer(c, payload, len);
    } else if (session_prefix && len > strlen(session_prefix) &&
               memcmp(payload, session_prefix, strlen(session_prefix)) == 0) {
      if (!string_field(payload, len, "token", c->token, TOKEN_MAX)) fail("session event without a token", index);
      return become_ready(c, index, at);
    } else if (len >= 2 && payload[0] == '4' && payload[1] == '4') {
      return login_failed(c, index, "login refused");
    }
  }
  memmove(c->pending, c->pending + at, c->pending_len - at);
  c->pending_len -= at;
}

void on_readable(Conn *c, int index) {
  for (;;) {
    ssize_t n = read(c->fd, buf, sizeof buf);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) return close_conn(c, index);
    if (n < 0) return;
    if (storming) storm_bytes += n;
    if (c->state == READY) {
      count_frames(c, index, buf, n);
    } else {
      c->pending = realloc(c->pending, c->pending_len + (size_t)n);
      memcpy(c->pending + c->pending_len, buf, (size_t)n);
      c->pending_len += (size_t)n;
      advance_login(c, index);
    }
    if (n < (ssize_t)sizeof buf || c->state == CLOSED) return;
  }
}

void on_connected(Conn *c, int index) {
  int err = 0;
  socklen_t len = sizeof err;
  getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
  if (err) return login_failed(c, index, strerror(err));
  char path[64], request[512];
  if (socket_io) snprintf(path, sizeof path, "/socket.io/?EIO=4&transport=websocket");
  else snprintf(path, sizeof path, "/?name=u%d", first_index + index);
  int n = snprintf(request, sizeof request,
                   "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
                   path, port);
  if (write(c->fd, request, (size_t)n) != n) return login_failed(c, index, "could not send the upgrade request");
  c->state = UPGRADING;
  struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (unsigned)index};
  epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

/* Opens client `index` afresh, keeping what it needs to resume: its token, its socket's pid and offset, and
 * the version of its online list. */
void start_conn(int index) {
  Conn *c = &conns[index];
  Conn kept = *c;
  memset(c, 0, sizeof *c);
  memcpy(c->token, kept.token, TOKEN_MAX);
  memcpy(c->pid, kept.pid, RECOVERY_ID_MAX);
  memcpy(c->offset, kept.offset, RECOVERY_ID_MAX);
  memcpy(c->version, kept.version, VERSION_MAX);
  c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (c->fd < 0) fail(strerror(errno), index);
  int one = 1;
  setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(c->fd, (struct sockaddr *)&addr, sizeof addr) < 0 && errno != EINPROGRESS)
    fail(strerror(errno), index);
  c->state = CONNECTING;
  in_flight++;
  struct epoll_event ev = {.events = EPOLLOUT, .data.u32 = (unsigned)index};
  epoll_ctl(epfd, EPOLL_CTL_ADD, c->fd, &ev);
}
