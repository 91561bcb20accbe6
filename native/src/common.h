// Shared helpers of the ivshmem addon (docs/ivshmem.md): N-API argument checks and errno errors.
#ifndef IVSHMEM_COMMON_H
#define IVSHMEM_COMMON_H

#include <node_api.h>
#include <stdint.h>
#include <stddef.h>

#define NAPI_CALL(env, call)                                     \
  do {                                                           \
    if ((call) != napi_ok) {                                     \
      throw_napi_failure(env, #call);                            \
      return NULL;                                               \
    }                                                            \
  } while (0)

#define ARGS(n)                                                  \
  size_t argc = (n);                                             \
  napi_value argv[(n) > 0 ? (n) : 1];                            \
  NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL))

void throw_napi_failure(napi_env env, const char *what);
/** throws Error(code = errno name, message = "what: strerror") and returns NULL */
napi_value throw_errno(napi_env env, int err, const char *what);
napi_value throw_code(napi_env env, const char *code, const char *msg);
int arg_int(napi_env env, napi_value v, int64_t *out);
int arg_str(napi_env env, napi_value v, char *buf, size_t len);
napi_value mk_int(napi_env env, int64_t v);
napi_value mk_bool(napi_env env, int v);
napi_value mk_null(napi_env env);
void export_fn(napi_env env, napi_value exports, const char *name, napi_callback cb);

void init_sock(napi_env env, napi_value exports);
void init_shm(napi_env env, napi_value exports);
void init_poll(napi_env env, napi_value exports);

#endif
