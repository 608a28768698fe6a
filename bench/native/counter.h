/* What counter.c and client.c share: the clients, the counts, and the storm under way. */
#ifndef COUNTER_H
#define COUNTER_H
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

#define TOKEN_MAX 64
/* Socket.IO's private session id (base64 of 15 bytes) and a packet offset (yeast, a few characters). */
#define RECOVERY_ID_MAX 32
/* The online list's version, as the server sends it with the list and each change (see PresenceVersion). */
#define VERSION_MAX 64

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
  /* Connection state recovery (a server that offers it): the socket's private id, and the offset the
   * server appended to the last chat message received, read from the frame's last bytes. */
  char pid[RECOVERY_ID_MAX], offset[RECOVERY_ID_MAX];
  /* The version of the last online list or change received, read from the frame's last bytes, which a
   * resume sends back as the web client does. */
  char version[VERSION_MAX];
  unsigned char tail[VERSION_MAX + 8];
  int tail_len;
  /* Storm: when a client waiting to (re)connect may start, 0 when it is not waiting; whether it is back. */
  long retry_at;
  int back, recovered;
} Conn;

extern int port, socket_io, first_index, rcvlowat;
extern const char *session_prefix; /* NULL: the system has no sessions */
extern int epfd;
extern Conn *conns;
extern int opened, ready, target, in_flight;
extern long chat, other, chat_bytes, other_bytes, closed_count;
/* The storm under way: whether one is, how many logins it had refused, whether clients ask to recover their
 * connection (and how many did), the bytes read meanwhile, and the sync packet a resumed client that was
 * not recovered sends (empty: none). */
extern int storming, storm_refusals, storm_recovers, storm_recovered;
extern long storm_bytes;
extern char storm_sync[126]; /* one short WebSocket frame (send_text) */

long now_ms(void);
void fail(const char *why, int index);
void start_conn(int index);
/* Closes the client's connection, which leaves it CLOSED. */
void drop_fd(Conn *c);
void on_connected(Conn *c, int index);
void on_readable(Conn *c, int index);
/* A stormed client is back: logged in and, with sessions, its sync answered. */
void is_back(Conn *c);

#endif
