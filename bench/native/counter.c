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
 *   storm <recover|fresh> <sync|->
 *                 cut every client at once, then bring them all back -> "stormed <clients> <refusals>
 *                 <p50Ms> <p99Ms> <maxMs> <bytesPerClient> <recovered>": when each was back, counted
 *                 from the cut, and how many had their connection recovered.
 * A frame is a chat message when its payload holds the '~' that brackets the send time in the bench's texts.
 *
 * With a session event (this chat server), a client logged in is ready once that event, whose payload
 * starts with the given prefix, brought its resume token. After a storm it resumes with the token. With
 * `recover` it also asks for its connection back (Socket.IO's connection state recovery: the pid of its
 * last connection and the offset of the last chat message it received), as socket.io-client does, and a
 * recovered client is back once greeted. Any other sends the given <sync> packet (asking for what it
 * missed, as the web client does after a reconnect it could not recover) and is back once that is
 * answered. Without, a client is back once logged in again. A
 * refused login (the server shedding handshakes) tries again after 0.5 to 1.5 s, like socket.io-client.
 */
#include "counter.h"

#define CONNECTING_AT_ONCE 100
#define SWEEP_EVERY_MS 5000
#define STDIN_TAG 0xffffffffu
#define MAX_CLIENTS 65536
#define STORM_POLL_MS 20

int port, socket_io, first_index, rcvlowat;
const char *session_prefix;
int epfd;
Conn *conns;
int opened, ready, target, in_flight;
long chat, other, chat_bytes, other_bytes, closed_count;
int storming, storm_refusals, storm_recovers, storm_recovered;
long storm_bytes;
char storm_sync[126];
static long cpu_at_mark;
/* When the storm began, how many clients it cut, and when each of those was back. */
static int storm_clients, storm_back;
static long storm_started;
static long *storm_back_ms;

static long cpu_us(void) {
  struct rusage r;
  getrusage(RUSAGE_SELF, &r);
  return r.ru_utime.tv_sec * 1000000L + r.ru_utime.tv_usec + r.ru_stime.tv_sec * 1000000L + r.ru_stime.tv_usec;
}

long now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1000L + t.tv_nsec / 1000000L;
}

static int by_value(const void *a, const void *b) {
  long x = *(const long *)a, y = *(const long *)b;
  return (x > y) - (x < y);
}

static void storm_over(void) {
  long n = storm_back;
  qsort(storm_back_ms, (size_t)n, sizeof(long), by_value);
  long p50 = n ? storm_back_ms[(n - 1) / 2] : 0, p99 = n ? storm_back_ms[(99 * n + 99) / 100 - 1] : 0;
  printf("stormed %d %d %ld %ld %ld %ld %d\n", storm_clients, storm_refusals, p50, p99, n ? storm_back_ms[n - 1] : 0,
         n ? storm_bytes / n : 0, storm_recovered);
  fflush(stdout);
  storming = 0;
}

/* Until it is back, a stormed client is woken by every byte: the answer it waits for may be small. */
void is_back(Conn *c) {
  c->back = 1;
  if (rcvlowat > 1) setsockopt(c->fd, SOL_SOCKET, SO_RCVLOWAT, &rcvlowat, sizeof rcvlowat);
  storm_back_ms[storm_back++] = now_ms() - storm_started;
  if (storm_back == storm_clients) storm_over();
}

static void open_more(void) {
  while (opened < target && in_flight < CONNECTING_AT_ONCE) start_conn(opened++);
  if (!storming) return;
  long now = now_ms();
  for (int i = 0; i < opened && in_flight < CONNECTING_AT_ONCE; i++)
    if (conns[i].state == CLOSED && conns[i].retry_at && conns[i].retry_at <= now) start_conn(i);
}

/* Every logged-in client at once, as when a server's network drops; they come back as fast as they can. */
static void storm(const char *how) {
  storm_recovers = strncmp(how, "recover ", 8) == 0;
  const char *sync = strchr(how, ' ');
  if (!sync) fail("storm needs <recover|fresh> <sync|->", 0);
  sync++;
  size_t len = strcmp(sync, "-") == 0 ? 0 : strlen(sync);
  if (len >= sizeof storm_sync) fail("sync packet too long", 0);
  memcpy(storm_sync, sync, len);
  storm_sync[len] = 0;
  storming = 1;
  storm_clients = storm_back = storm_refusals = storm_recovered = 0;
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
