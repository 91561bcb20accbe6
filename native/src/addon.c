// ivshmem N-API addon: entry point and helpers. Linux only (eventfd, memfd, SCM_RIGHTS).
// Every fd it creates or receives is CLOEXEC (Electron and the CLI spawn children).
#include "common.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static const char *errno_name(int e) {
  switch (e) {
    case ENOENT: return "ENOENT";
    case EACCES: return "EACCES";
    case EPERM: return "EPERM";
    case ECONNREFUSED: return "ECONNREFUSED";
    case ECONNRESET: return "ECONNRESET";
    case EPIPE: return "EPIPE";
    case EADDRINUSE: return "EADDRINUSE";
    case ENAMETOOLONG: return "ENAMETOOLONG";
    case ENOTSOCK: return "ENOTSOCK";
    case EBADF: return "EBADF";
    case EINVAL: return "EINVAL";
    case ENOMEM: return "ENOMEM";
    case EMFILE: return "EMFILE";
    case ENFILE: return "ENFILE";
    case ENOSPC: return "ENOSPC";
    case EEXIST: return "EEXIST";
    case ENOTDIR: return "ENOTDIR";
    case EAGAIN: return "EAGAIN";
    case EFBIG: return "EFBIG";
    case ENODEV: return "ENODEV";
    default: return "ERRNO";
  }
}

void throw_napi_failure(napi_env env, const char *what) {
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (pending) return;
  const napi_extended_error_info *ei = NULL;
  napi_get_last_error_info(env, &ei);
  char msg[256];
  snprintf(msg, sizeof msg, "%s failed: %s", what, ei && ei->error_message ? ei->error_message : "napi error");
  napi_throw_error(env, "NAPI", msg);
}

napi_value throw_errno(napi_env env, int err, const char *what) {
  char msg[512];
  snprintf(msg, sizeof msg, "%s: %s", what, strerror(err));
  napi_throw_error(env, errno_name(err), msg);
  return NULL;
}

napi_value throw_code(napi_env env, const char *code, const char *msg) {
  napi_throw_error(env, code, msg);
  return NULL;
}

int arg_int(napi_env env, napi_value v, int64_t *out) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok) return 0;
  if (t == napi_bigint) {
    bool lossless;
    return napi_get_value_bigint_int64(env, v, out, &lossless) == napi_ok && lossless;
  }
  if (t != napi_number) return 0;
  double d;
  if (napi_get_value_double(env, v, &d) != napi_ok) return 0;
  if (!(d == (double)(int64_t)d)) return 0; /* NaN, fractions, out of range */
  *out = (int64_t)d;
  return 1;
}

int arg_str(napi_env env, napi_value v, char *buf, size_t len) {
  size_t n = 0;
  if (napi_get_value_string_utf8(env, v, buf, len, &n) != napi_ok) return 0;
  return n + 1 < len; /* not truncated */
}

napi_value mk_int(napi_env env, int64_t v) {
  napi_value r;
  napi_create_int64(env, v, &r);
  return r;
}

napi_value mk_bool(napi_env env, int v) {
  napi_value r;
  napi_get_boolean(env, v != 0, &r);
  return r;
}

napi_value mk_null(napi_env env) {
  napi_value r;
  napi_get_null(env, &r);
  return r;
}

void export_fn(napi_env env, napi_value exports, const char *name, napi_callback cb) {
  napi_value fn;
  napi_create_function(env, name, NAPI_AUTO_LENGTH, cb, NULL, &fn);
  napi_set_named_property(env, exports, name, fn);
}

static napi_value init(napi_env env, napi_value exports) {
  init_sock(env, exports);
  init_shm(env, exports);
  init_poll(env, exports);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
