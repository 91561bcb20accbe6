// The ivshmem-server socket protocol (docs/ivshmem.md#wire-format): AF_UNIX stream, server -> client only,
// each message one little-endian int64 with at most one fd in SCM_RIGHTS.
#include "common.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define MAX_FDS 8

static int fill_addr(struct sockaddr_un *a, const char *path) {
  memset(a, 0, sizeof *a);
  a->sun_family = AF_UNIX;
  if (strlen(path) >= sizeof a->sun_path) return 0;
  strcpy(a->sun_path, path);
  return 1;
}

/** connect(path) -> fd; blocking connect on a local socket, then O_NONBLOCK for recv */
static napi_value js_connect(napi_env env, napi_callback_info info) {
  ARGS(1);
  char path[256];
  struct sockaddr_un a;
  if (!arg_str(env, argv[0], path, sizeof path) || !fill_addr(&a, path))
    return throw_code(env, "ENAMETOOLONG", "socket path must be a string shorter than 108 bytes");
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, errno, "socket");
  if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
    int e = errno;
    close(fd);
    char what[300];
    snprintf(what, sizeof what, "connect(%s)", path);
    return throw_errno(env, e, what);
  }
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  return mk_int(env, fd);
}

/** recv(fd, u8: Uint8Array(8), off) -> null (EAGAIN) | {n, fd, ctrunc, extra}
 *  Reads at most 8 - off bytes, so an fd always stays with the message it came with: the kernel
 *  never merges data across an SCM_RIGHTS boundary (docs/ivshmem.md#framing). n = 0 is EOF. */
static napi_value js_recv(napi_env env, napi_callback_info info) {
  ARGS(3);
  int64_t fd, off;
  void *data;
  size_t len;
  napi_typedarray_type tt;
  napi_value ab;
  size_t boff;
  if (!arg_int(env, argv[0], &fd) || !arg_int(env, argv[2], &off) ||
      napi_get_typedarray_info(env, argv[1], &tt, &len, &data, &ab, &boff) != napi_ok || tt != napi_uint8_array ||
      len != 8 || off < 0 || off >= 8)
    return throw_code(env, "EINVAL", "recv(fd, Uint8Array(8), off 0..7)");
  char cbuf[CMSG_SPACE(sizeof(int) * MAX_FDS)];
  memset(cbuf, 0, sizeof cbuf);
  struct iovec iov = {(char *)data + off, (size_t)(8 - off)};
  struct msghdr m = {0};
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  m.msg_control = cbuf;
  m.msg_controllen = sizeof cbuf;
  ssize_t n;
  do n = recvmsg((int)fd, &m, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) return mk_null(env);
    return throw_errno(env, errno, "recvmsg");
  }
  int got = -1, extra = 0;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    int fds[MAX_FDS];
    if (k > MAX_FDS) k = MAX_FDS;
    memcpy(fds, CMSG_DATA(c), k * sizeof(int));
    for (size_t i = 0; i < k; i++) {
      if (got < 0) got = fds[i];
      else { close(fds[i]); extra++; } /* one fd per message; the rest are not ours to keep */
    }
  }
  napi_value r;
  napi_create_object(env, &r);
  napi_set_named_property(env, r, "n", mk_int(env, n));
  napi_set_named_property(env, r, "fd", mk_int(env, got));
  napi_set_named_property(env, r, "extra", mk_int(env, extra));
  napi_set_named_property(env, r, "ctrunc", mk_bool(env, (m.msg_flags & MSG_CTRUNC) != 0));
  return r;
}

/** send(fd, value: bigint|number, fdToPass = -1) -> true | false (EAGAIN); throws EPIPE etc. */
static napi_value js_send(napi_env env, napi_callback_info info) {
  ARGS(3);
  int64_t fd, v, pass = -1;
  if (!arg_int(env, argv[0], &fd) || !arg_int(env, argv[1], &v) || (argc > 2 && !arg_int(env, argv[2], &pass)))
    return throw_code(env, "EINVAL", "send(fd, int64, fd?)");
  unsigned char le[8];
  for (int i = 0; i < 8; i++) le[i] = (unsigned char)((uint64_t)v >> (8 * i));
  struct iovec iov = {le, 8};
  char cbuf[CMSG_SPACE(sizeof(int))];
  memset(cbuf, 0, sizeof cbuf);
  struct msghdr m = {0};
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  if (pass >= 0) {
    m.msg_control = cbuf;
    m.msg_controllen = sizeof cbuf;
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    int p = (int)pass;
    memcpy(CMSG_DATA(c), &p, sizeof p);
  }
  ssize_t n;
  do n = sendmsg((int)fd, &m, MSG_NOSIGNAL | MSG_DONTWAIT);
  while (n < 0 && errno == EINTR);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) return mk_bool(env, 0);
    return throw_errno(env, errno, "sendmsg");
  }
  if (n != 8) return throw_code(env, "EAGAIN", "sendmsg: short write");
  return mk_bool(env, 1);
}

/** listen(path) -> fd (NONBLOCK|CLOEXEC, backlog 10 as ivshmem-server) */
static napi_value js_listen(napi_env env, napi_callback_info info) {
  ARGS(1);
  char path[256];
  struct sockaddr_un a;
  if (!arg_str(env, argv[0], path, sizeof path) || !fill_addr(&a, path))
    return throw_code(env, "ENAMETOOLONG", "socket path must be a string shorter than 108 bytes");
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, errno, "socket");
  char what[300];
  if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0) {
    int e = errno;
    close(fd);
    snprintf(what, sizeof what, "bind(%s)", path);
    return throw_errno(env, e, what);
  }
  if (listen(fd, 10) < 0) {
    int e = errno;
    close(fd);
    snprintf(what, sizeof what, "listen(%s)", path);
    return throw_errno(env, e, what);
  }
  return mk_int(env, fd);
}

/** accept(fd) -> fd | -1 (EAGAIN) */
static napi_value js_accept(napi_env env, napi_callback_info info) {
  ARGS(1);
  int64_t fd;
  if (!arg_int(env, argv[0], &fd)) return throw_code(env, "EINVAL", "accept(fd)");
  int c;
  do c = accept4((int)fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
  while (c < 0 && errno == EINTR);
  if (c < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ECONNABORTED) return mk_int(env, -1);
    return throw_errno(env, errno, "accept4");
  }
  return mk_int(env, c);
}

/** close(fd): for fds the JS layer owns (never one a live uv_poll watches: close that poll first) */
static napi_value js_close(napi_env env, napi_callback_info info) {
  ARGS(1);
  int64_t fd;
  if (!arg_int(env, argv[0], &fd) || fd < 0) return throw_code(env, "EINVAL", "close(fd >= 0)");
  return mk_bool(env, close((int)fd) == 0);
}

void init_sock(napi_env env, napi_value exports) {
  export_fn(env, exports, "connect", js_connect);
  export_fn(env, exports, "recv", js_recv);
  export_fn(env, exports, "send", js_send);
  export_fn(env, exports, "listen", js_listen);
  export_fn(env, exports, "accept", js_accept);
  export_fn(env, exports, "close", js_close);
}
