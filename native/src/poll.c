// eventfd doorbells and uv_poll watchers on the Node/Electron event loop (napi_get_uv_event_loop).
// Nothing here blocks the loop: every fd is non-blocking and readable callbacks read once.
// Closing: uv_close() takes the fd out of epoll at once; the fd itself is closed only after, so a
// reused fd number is never watched by mistake (docs/ivshmem.md#fd-ownership).
#include "common.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <uv.h>

enum { MODE_RAW = 0, MODE_EVENTFD = 1 };

typedef struct {
  uv_poll_t h;
  napi_env env;
  napi_ref cb;
  napi_async_context ctx;
  int fd;
  int mode;
  int closing;
  int own_fd; /* close the fd after uv_close */
} watcher;

static napi_value js_eventfd(napi_env env, napi_callback_info info) {
  int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (fd < 0) return throw_errno(env, errno, "eventfd");
  return mk_int(env, fd);
}

/** notify(fd) -> true, false when the counter would overflow (EAGAIN) or the fd is gone */
static napi_value js_notify(napi_env env, napi_callback_info info) {
  ARGS(1);
  int64_t fd;
  if (!arg_int(env, argv[0], &fd) || fd < 0) return throw_code(env, "EINVAL", "notify(fd)");
  uint64_t one = 1;
  ssize_t n;
  do n = write((int)fd, &one, sizeof one);
  while (n < 0 && errno == EINTR);
  return mk_bool(env, n == sizeof one);
}

static int64_t drain_fd(int fd) {
  uint64_t c = 0;
  ssize_t n;
  do n = read(fd, &c, sizeof c);
  while (n < 0 && errno == EINTR);
  return n == sizeof c ? (int64_t)(c > (1ull << 53) ? (1ull << 53) : c) : 0;
}

/** drain(fd) -> counter value (0 if nothing pending) */
static napi_value js_drain(napi_env env, napi_callback_info info) {
  ARGS(1);
  int64_t fd;
  if (!arg_int(env, argv[0], &fd) || fd < 0) return throw_code(env, "EINVAL", "drain(fd)");
  return mk_int(env, drain_fd((int)fd));
}

static void call_js(watcher *w, napi_value arg) {
  napi_env env = w->env;
  napi_value cb, recv, res;
  if (napi_get_reference_value(env, w->cb, &cb) != napi_ok || !cb) return;
  napi_get_global(env, &recv); /* make_callback needs an object receiver */
  /* make_callback: runs microtasks afterwards like any libuv-driven callback */
  if (napi_make_callback(env, w->ctx, recv, cb, 1, &arg, &res) == napi_pending_exception) {
    napi_value ex;
    if (napi_get_and_clear_last_exception(env, &ex) == napi_ok) napi_fatal_exception(env, ex);
  }
}

static void on_poll(uv_poll_t *h, int status, int events) {
  watcher *w = h->data;
  if (w->closing) return;
  napi_handle_scope scope;
  if (napi_open_handle_scope(w->env, &scope) != napi_ok) return;
  if (w->mode == MODE_EVENTFD) {
    int64_t c = status < 0 ? 0 : drain_fd(w->fd);
    if (c > 0) call_js(w, mk_int(w->env, c));
  } else {
    /* -1: error on the fd; else the UV_READABLE / UV_DISCONNECT bits */
    call_js(w, mk_int(w->env, status < 0 ? -1 : events));
  }
  napi_close_handle_scope(w->env, scope);
}

static void on_closed(uv_handle_t *h) {
  watcher *w = h->data;
  if (w->own_fd && w->fd >= 0) close(w->fd);
  free(w);
}

static void stop(napi_env env, watcher *w) {
  if (w->closing) return;
  w->closing = 1;
  uv_poll_stop(&w->h);
  if (w->cb) napi_delete_reference(env, w->cb);
  w->cb = NULL;
  if (w->ctx) napi_async_destroy(env, w->ctx);
  w->ctx = NULL;
  uv_close((uv_handle_t *)&w->h, on_closed);
}

static void watcher_finalize(napi_env env, void *data, void *hint) { stop(env, data); }

/** poll(fd, mode, cb) -> handle. mode 0: cb(events) on readable/hang-up (sockets);
 *  mode 1: eventfd, cb(count) after draining the counter (interrupts). */
static napi_value js_poll(napi_env env, napi_callback_info info) {
  ARGS(3);
  int64_t fd, mode;
  napi_valuetype t;
  if (!arg_int(env, argv[0], &fd) || fd < 0 || !arg_int(env, argv[1], &mode) || (mode != MODE_RAW && mode != MODE_EVENTFD) ||
      napi_typeof(env, argv[2], &t) != napi_ok || t != napi_function)
    return throw_code(env, "EINVAL", "poll(fd, 0|1, callback)");
  uv_loop_t *loop;
  NAPI_CALL(env, napi_get_uv_event_loop(env, &loop));
  if (mode == MODE_EVENTFD) fcntl((int)fd, F_SETFL, fcntl((int)fd, F_GETFL) | O_NONBLOCK);
  watcher *w = calloc(1, sizeof *w);
  if (!w) return throw_errno(env, ENOMEM, "poll");
  w->env = env;
  w->fd = (int)fd;
  w->mode = (int)mode;
  int r = uv_poll_init(loop, &w->h, w->fd);
  if (r < 0) {
    free(w);
    return throw_code(env, "EBADF", uv_strerror(r));
  }
  w->h.data = w;
  napi_value name, h;
  napi_create_string_utf8(env, "ivshmem.poll", NAPI_AUTO_LENGTH, &name);
  if (napi_create_reference(env, argv[2], 1, &w->cb) != napi_ok || napi_async_init(env, NULL, name, &w->ctx) != napi_ok ||
      napi_create_object(env, &h) != napi_ok || napi_wrap(env, h, w, watcher_finalize, NULL, NULL) != napi_ok) {
    stop(env, w);
    return throw_code(env, "NAPI", "poll setup failed");
  }
  r = uv_poll_start(&w->h, mode == MODE_EVENTFD ? UV_READABLE : UV_READABLE | UV_DISCONNECT, on_poll);
  if (r < 0) {
    napi_remove_wrap(env, h, NULL);
    stop(env, w);
    return throw_code(env, "EBADF", uv_strerror(r));
  }
  return h;
}

/** pollClose(handle, closeFd = false): uv_close, then (optionally) close(fd) once libuv let go */
static napi_value js_poll_close(napi_env env, napi_callback_info info) {
  ARGS(2);
  watcher *w = NULL;
  bool own = false;
  if (argc > 1) napi_get_value_bool(env, argv[1], &own);
  if (napi_remove_wrap(env, argv[0], (void **)&w) != napi_ok || !w) return mk_bool(env, 0);
  w->own_fd = own;
  stop(env, w);
  return mk_bool(env, 1);
}

/** pollRef(handle, ref): whether this watcher keeps the process alive */
static napi_value js_poll_ref(napi_env env, napi_callback_info info) {
  ARGS(2);
  watcher *w = NULL;
  bool ref = true;
  napi_get_value_bool(env, argv[1], &ref);
  if (napi_unwrap(env, argv[0], (void **)&w) != napi_ok || !w || w->closing) return mk_bool(env, 0);
  if (ref) uv_ref((uv_handle_t *)&w->h);
  else uv_unref((uv_handle_t *)&w->h);
  return mk_bool(env, 1);
}

void init_poll(napi_env env, napi_value exports) {
  export_fn(env, exports, "eventfd", js_eventfd);
  export_fn(env, exports, "notify", js_notify);
  export_fn(env, exports, "drain", js_drain);
  export_fn(env, exports, "poll", js_poll);
  export_fn(env, exports, "pollClose", js_poll_close);
  export_fn(env, exports, "pollRef", js_poll_ref);
}
