/*
 * The load generator's receiving side for the bulk of the clients: it holds thousands of WebSocket (or
 * Socket.IO over WebSocket) connections and counts the frames they receive, without decoding them.
 *
 * Why native: on loopback every frame read costs a wakeup and a syscall, and a Node client pays several
 * microseconds of that per delivery, about what the servers under test pay to send it; the load generator
 * would saturate first. Here each counting socket has SO_RCVLOWAT set, so the kernel wakes us only once
 * several kilobytes are waiting, and one read consumes dozens of frames. Latency is not measured here
 * (that wait would distort it); the Node load generator samples it on a few ordinary clients.
 *
 * Usage: counter <port> <ws|socket.io> <first-client-index> <rcvlowat-bytes> <session-event-prefix|->
 * Commands on stdin, one per line, answered on stdout:
 *   connect <n>   open n more clients (named u<index>)  -> "connected <total>" or "failed <why>"
 *   mark          start counting from zero              -> "marked"
 *   report        the counts since mark                 -> "report <chat> <other> <chatBytes> <otherBytes>
 *                                                            <closed> <cpuMicroseconds>"
 *                 (closed: connections the server ended since the start)
 *   storm <sync|-> cut every client at once, then bring them all back -> "stormed <clients> <refusals>
 *                 <p50Ms> <p99Ms> <maxMs> <bytesPerClient>": when each was back, counted from the cut.
 * A frame is a chat message when its payload holds the '~' that brackets the send time in the bench's texts.
 *
 * With a session event (this chat server), a client logged in is ready once that event, whose payload
 * starts with the given prefix, brought its resume token. After a storm it resumes with the token, sends
 * the given <sync> packet (asking for what it missed, as the web client does after a reconnect it could
 * not recover), and is back once that is answered. Without, a client is back once logged in again. A
 * refused login (the server shedding handshakes) tries again after 0.5 to 1.5 s, like socket.io-client.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { CONNECTING, UPGRADING, LOGGING_IN, READY, CLOSED };

#define CONNECTING_AT_ONCE 100
#define SWEEP_EVERY_MS 5000
#define STDIN_TAG 0xffffffffu
#define MAX_CLIENTS 65536
#define TOKEN_MAX 64
#define STORM_POLL_MS 20

typedef struct {
  int fd;
  int state;
  /* Before READY: the bytes received so far (upgrade response and login frames), parsed whole. */
  unsigned char *pending;
  size_t pending_len;
  /* When READY: where the frame parser is. */
  unsigned char header[14];
  int header_len;
  long remaining;
  long frame_len;
  int opcode;
  int is_chat;
  unsigned char first_byte, second_byte;
  char token[TOKEN_MAX];
  /* Storm: when a client waiting to (re)connect may start, 0 when it is not waiting; whether it is back. */
  long retry_at;
  int back;
} Conn;

static int port, socket_io, first_index, rcvlowat;
static const char *session_prefix; /* NULL: the system has no sessions */
static int epfd;
static Conn *conns;
static int opened, ready, target, in_flight;
static long chat, other, chat_bytes, other_bytes, closed_count;
static long cpu_at_mark;
static unsigned char buf[1 << 18];
/* The storm under way: when it began, what sync asks for, how many clients it cut and when each was back. */
static int storming, storm_clients, storm_back, storm_refusals;
static long storm_started, storm_bytes;
static long *storm_back_ms;
static char storm_sync[126]; /* one short WebSocket frame (send_text) */

static long cpu_us(void) {
  struct rusage r;
  getrusage(RUSAGE_SELF, &r);
  return r.ru_utime.tv_sec * 1000000L + r.ru_utime.tv_usec + r.ru_stime.tv_sec * 1000000L + r.ru_stime.tv_usec;
}

static long now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1000L + t.tv_nsec / 1000000L;
}

static void fail(const char *why, int index) {
  printf("failed %s (client %d)\n", why, first_index + index);
  fflush(stdout);
  exit(1);
}

/* A client frame: masked, with a zero key, which leaves the payload as it is. */
static void send_text(Conn *c, const char *text) {
  unsigned char frame[256];
  size_t len = strlen(text);
  frame[0] = 0x81;
  frame[1] = 0x80 | (unsigned char)len;
  memset(frame + 2, 0, 4);
  memcpy(frame + 6, text, len);
  if (write(c->fd, frame, 6 + len) < 0) { /* a dead socket shows up as a failed read */ }
}

static void drop_fd(Conn *c) {
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

static int by_value(const void *a, const void *b) {
  long x = *(const long *)a, y = *(const long *)b;
  return (x > y) - (x < y);
}

static void storm_over(void) {
  long n = storm_back;
  qsort(storm_back_ms, (size_t)n, sizeof(long), by_value);
  long p50 = n ? storm_back_ms[(n - 1) / 2] : 0, p99 = n ? storm_back_ms[(99 * n + 99) / 100 - 1] : 0;
  printf("stormed %d %d %ld %ld %ld %ld\n", storm_clients, storm_refusals, p50, p99, n ? storm_back_ms[n - 1] : 0,
         n ? storm_bytes / n : 0);
  fflush(stdout);
  storming = 0;
}

/* Until it is back, a stormed client is woken by every byte: the answer it waits for may be small. */
static void is_back(Conn *c) {
  c->back = 1;
  if (rcvlowat > 1) setsockopt(c->fd, SOL_SOCKET, SO_RCVLOWAT, &rcvlowat, sizeof rcvlowat);
  storm_back_ms[storm_back++] = now_ms() - storm_started;
  if (storm_back == storm_clients) storm_over();
}

static void finish_frame(Conn *c, int index) {
  if (c->opcode == 8) return close_conn(c, index);
  if (c->opcode != 1 && c->opcode != 2) return;
  /* Engine.IO message '4', Socket.IO ack '3': the only ack a counting client waits for is its sync's. */
  if (storming && !c->back && c->first_byte == '4' && c->second_byte == '3') return is_back(c);
  if (socket_io && c->frame_len == 1 && c->first_byte == '2') return send_text(c, "3"); /* ping -> pong */
  if (c->is_chat) {
    chat++;
    chat_bytes += c->frame_len;
  } else {
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
    if (storm_sync[0]) send_text(c, storm_sync);
    else is_back(c);
  }
  if (!stormed && ready == target) {
    printf("connected %d\n", ready);
    fflush(stdout);
  }
}

/* The resume token in a session event's payload: {"token":"…",…}. */
static void keep_token(Conn *c, int index, const unsigned char *payload, size_t len) {
  static const char key[] = "\"token\":\"";
  const unsigned char *at = memmem(payload, len, key, sizeof key - 1);
  if (!at) fail("session event without a token", index);
  at += sizeof key - 1;
  size_t n = 0;
  while (at + n < payload + len && at[n] != '"' && n < TOKEN_MAX - 1) n++;
  memcpy(c->token, at, n);
  c->token[n] = 0;
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
      char login[128];
      if (c->token[0]) snprintf(login, sizeof login, "40{\"token\":\"%s\"}", c->token);
      else snprintf(login, sizeof login, "40{\"name\":\"u%d\"}", first_index + index);
      send_text(c, login);
    } else if (len >= 2 && payload[0] == '4' && payload[1] == '0') {
      if (!session_prefix) return become_ready(c, index, at);
    } else if (session_prefix && len > strlen(session_prefix) &&
               memcmp(payload, session_prefix, strlen(session_prefix)) == 0) {
      keep_token(c, index, payload, len);
      return become_ready(c, index, at);
    } else if (len >= 2 && payload[0] == '4' && payload[1] == '4') {
      return login_failed(c, index, "login refused");
    }
  }
  memmove(c->pending, c->pending + at, c->pending_len - at);
  c->pending_len -= at;
}

static void on_readable(Conn *c, int index) {
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

static void on_connected(Conn *c, int index) {
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

/* Opens client `index` afresh, keeping the token it may have. */
static void start_conn(int index) {
  Conn *c = &conns[index];
  char token[TOKEN_MAX];
  memcpy(token, c->token, TOKEN_MAX);
  memset(c, 0, sizeof *c);
  memcpy(c->token, token, TOKEN_MAX);
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

static void open_more(void) {
  while (opened < target && in_flight < CONNECTING_AT_ONCE) start_conn(opened++);
  if (!storming) return;
  long now = now_ms();
  for (int i = 0; i < opened && in_flight < CONNECTING_AT_ONCE; i++)
    if (conns[i].state == CLOSED && conns[i].retry_at && conns[i].retry_at <= now) start_conn(i);
}

/* Every logged-in client at once, as when a server's network drops; they come back as fast as they can. */
static void storm(const char *sync) {
  size_t len = strcmp(sync, "-") == 0 ? 0 : strlen(sync);
  if (len >= sizeof storm_sync) fail("sync packet too long", 0);
  memcpy(storm_sync, sync, len);
  storm_sync[len] = 0;
  storming = 1;
  storm_clients = storm_back = storm_refusals = 0;
  storm_bytes = 0;
  storm_started = now_ms();
  for (int i = 0; i < opened; i++) {
    if (conns[i].state != READY) continue;
    drop_fd(&conns[i]);
    conns[i].retry_at = storm_started;
    storm_clients++;
  }
  if (storm_clients == 0) return storm_over();
  open_more();
}

/* Reads every socket, whether or not it reached its low-water mark: counts are exact at mark and report,
 * and Socket.IO pings on quiet sockets get their pong before the server gives up on them. */
static void sweep(void) {
  for (int i = 0; i < opened; i++)
    if (conns[i].state == READY) on_readable(&conns[i], i);
}

static void on_command(char *line) {
  if (strncmp(line, "connect ", 8) == 0) {
    target += atoi(line + 8);
    if (target > MAX_CLIENTS) fail("too many clients", target);
    if (ready == target) {
      printf("connected %d\n", ready);
      fflush(stdout);
    }
    open_more();
  } else if (strncmp(line, "storm ", 6) == 0) {
    storm(line + 6);
  } else if (strcmp(line, "mark") == 0) {
    sweep();
    chat = other = chat_bytes = other_bytes = 0;
    cpu_at_mark = cpu_us();
    printf("marked\n");
    fflush(stdout);
  } else if (strcmp(line, "report") == 0) {
    sweep();
    printf("report %ld %ld %ld %ld %ld %ld\n", chat, other, chat_bytes, other_bytes, closed_count,
           cpu_us() - cpu_at_mark);
    fflush(stdout);
  }
}

static void on_stdin(void) {
  static char line[512];
  static size_t len;
  ssize_t n = read(0, line + len, sizeof line - 1 - len);
  if (n <= 0) exit(0); /* the load generator is gone */
  len += (size_t)n;
  char *newline;
  while ((newline = memchr(line, '\n', len))) {
    *newline = 0;
    on_command(line);
    size_t used = (size_t)(newline - line) + 1;
    memmove(line, line + used, len - used);
    len -= used;
  }
}

int main(int argc, char **argv) {
  if (argc != 6) {
    fprintf(stderr, "usage: counter <port> <ws|socket.io> <first-client-index> <rcvlowat-bytes> <session-prefix|->\n");
    return 2;
  }
  port = atoi(argv[1]);
  socket_io = strcmp(argv[2], "socket.io") == 0;
  first_index = atoi(argv[3]);
  rcvlowat = atoi(argv[4]);
  session_prefix = strcmp(argv[5], "-") == 0 ? NULL : argv[5];
  conns = calloc(MAX_CLIENTS, sizeof(Conn));
  storm_back_ms = calloc(MAX_CLIENTS, sizeof(long));
  epfd = epoll_create1(0);
  struct epoll_event in = {.events = EPOLLIN, .data.u32 = STDIN_TAG};
  epoll_ctl(epfd, EPOLL_CTL_ADD, 0, &in);
  struct epoll_event events[1024];
  long last_sweep = now_ms();
  for (;;) {
    int n = epoll_wait(epfd, events, 1024, storming ? STORM_POLL_MS : 1000);
    for (int e = 0; e < n; e++) {
      unsigned index = events[e].data.u32;
      if (index == STDIN_TAG) {
        on_stdin();
        continue;
      }
      Conn *c = &conns[index];
      if (c->state == CONNECTING) on_connected(c, (int)index);
      else if (c->state != CLOSED) on_readable(c, (int)index);
    }
    open_more();
    if (socket_io && now_ms() - last_sweep > SWEEP_EVERY_MS) {
      sweep();
      last_sweep = now_ms();
    }
  }
}
