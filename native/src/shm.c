// Shared memory: memfd / shm_open on the server side, mmap of the received fd on the client side.
// A mapping is exposed two ways (docs/ivshmem.md#buffer-lifetime, #electron-cage): as an external ArrayBuffer where V8 allows it
// (Node), and through copy/accessor calls where it does not (Electron's memory cage). unmap()
// munmaps and detaches every ArrayBuffer handed out, so stale views read as length 0, never fault.
#include "common.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
  uint8_t *addr;
  size_t size;
  int refs;     /* the handle object + each external ArrayBuffer */
  int unmapped; /* explicit unmap done */
  napi_ref *abs; /* weak refs to the external ArrayBuffers, detached at unmap */
  size_t nabs, cap;
} mapping;

static void map_release(mapping *m) {
  if (--m->refs > 0) return;
  if (!m->unmapped) munmap(m->addr, m->size);
  free(m->abs);
  free(m);
}

static void handle_finalize(napi_env env, void *data, void *hint) {
  mapping *m = data;
  for (size_t i = 0; i < m->nabs; i++) napi_delete_reference(env, m->abs[i]);
  m->nabs = 0;
  map_release(m);
}

static void ab_finalize(napi_env env, void *data, void *hint) { map_release(hint); }

static mapping *get_map(napi_env env, napi_value h) {
  mapping *m = NULL;
  if (napi_unwrap(env, h, (void **)&m) != napi_ok || !m) {
    throw_code(env, "EINVAL", "not a mapping handle");
    return NULL;
  }
  if (m->unmapped) {
    throw_code(env, "SHM_UNMAPPED", "shared memory is unmapped");
    return NULL;
  }
  return m;
}

/** memfd(size) -> fd: anonymous, CLOEXEC, ftruncated (the server's default backing, §5) */
static napi_value js_memfd(napi_env env, napi_callback_info info) {
  ARGS(1);
  int64_t size;
  if (!arg_int(env, argv[0], &size) || size <= 0) return throw_code(env, "EINVAL", "memfd(size > 0)");
  int fd = memfd_create("ivshmem", MFD_CLOEXEC);
  if (fd < 0) return throw_errno(env, errno, "memfd_create");
  if (ftruncate(fd, (off_t)size) < 0) {
    int e = errno;
    close(fd);
    return throw_errno(env, e, "ftruncate");
  }
  return mk_int(env, fd);
}

/** shmOpen(name, size) -> fd: shm_open(O_CREAT|O_RDWR, 0700) as ivshmem-server -M, ftruncated */
static napi_value js_shm_open(napi_env env, napi_callback_info info) {
  ARGS(2);
  char name[256], what[300];
  int64_t size;
  if (!arg_str(env, argv[0], name, sizeof name) || !arg_int(env, argv[1], &size) || size <= 0)
    return throw_code(env, "EINVAL", "shmOpen(name, size > 0)");
  int fd = shm_open(name, O_CREAT | O_RDWR | O_CLOEXEC, 0700);
  snprintf(what, sizeof what, "shm_open(%s)", name);
  if (fd < 0) return throw_errno(env, errno, what);
  if (ftruncate(fd, (off_t)size) < 0) {
    int e = errno;
    close(fd);
    snprintf(what, sizeof what, "ftruncate(%s)", name);
    return throw_errno(env, e, what);
  }
  return mk_int(env, fd);
}

static napi_value js_shm_unlink(napi_env env, napi_callback_info info) {
  ARGS(1);
  char name[256];
  if (!arg_str(env, argv[0], name, sizeof name)) return throw_code(env, "EINVAL", "shmUnlink(name)");
  return mk_bool(env, shm_unlink(name) == 0);
}

static napi_value js_fstat_size(napi_env env, napi_callback_info info) {
  ARGS(1);
  int64_t fd;
  struct stat st;
  if (!arg_int(env, argv[0], &fd)) return throw_code(env, "EINVAL", "fstatSize(fd)");
  if (fstat((int)fd, &st) < 0) return throw_errno(env, errno, "fstat");
  return mk_int(env, st.st_size);
}

/** mmap(fd) -> handle {size}; size from fstat; the fd may be closed afterwards */
static napi_value js_mmap(napi_env env, napi_callback_info info) {
  ARGS(1);
  int64_t fd;
  struct stat st;
  if (!arg_int(env, argv[0], &fd)) return throw_code(env, "EINVAL", "mmap(fd)");
  if (fstat((int)fd, &st) < 0) return throw_errno(env, errno, "fstat(shm fd)");
  if (st.st_size <= 0) return throw_code(env, "SHM_SIZE", "shm fd has size 0");
  void *p = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, (int)fd, 0);
  if (p == MAP_FAILED) return throw_errno(env, errno, "mmap(shm fd)");
  mapping *m = calloc(1, sizeof *m);
  if (!m) {
    munmap(p, (size_t)st.st_size);
    return throw_errno(env, ENOMEM, "mmap");
  }
  m->addr = p;
  m->size = (size_t)st.st_size;
  m->refs = 1;
  napi_value h;
  NAPI_CALL(env, napi_create_object(env, &h));
  if (napi_wrap(env, h, m, handle_finalize, NULL, NULL) != napi_ok) {
    munmap(p, m->size);
    free(m);
    return throw_code(env, "NAPI", "napi_wrap failed");
  }
  napi_set_named_property(env, h, "size", mk_int(env, (int64_t)m->size));
  return h;
}

/** buffer(handle) -> ArrayBuffer over the mapping (zero copy) | null where external buffers are
 *  banned (napi_no_external_buffers_allowed: Electron's V8 memory cage) */
static napi_value js_buffer(napi_env env, napi_callback_info info) {
  ARGS(1);
  mapping *m = get_map(env, argv[0]);
  if (!m) return NULL;
  if (m->nabs == m->cap) {
    size_t cap = m->cap ? m->cap * 2 : 4;
    napi_ref *n = realloc(m->abs, cap * sizeof *n);
    if (!n) return throw_errno(env, ENOMEM, "buffer");
    m->abs = n;
    m->cap = cap;
  }
  napi_value ab;
  napi_status s = napi_create_external_arraybuffer(env, m->addr, m->size, ab_finalize, m, &ab);
  if (s == napi_no_external_buffers_allowed) {
    bool pending = false;
    napi_is_exception_pending(env, &pending);
    if (pending) {
      napi_value ex;
      napi_get_and_clear_last_exception(env, &ex);
    }
    return mk_null(env);
  }
  if (s != napi_ok) return throw_code(env, "NAPI", "napi_create_external_arraybuffer failed");
  m->refs++;
  NAPI_CALL(env, napi_create_reference(env, ab, 0, &m->abs[m->nabs]));
  m->nabs++;
  return ab;
}

/** unmap(handle): munmap now and detach every ArrayBuffer handed out */
static napi_value js_unmap(napi_env env, napi_callback_info info) {
  ARGS(1);
  mapping *m = NULL;
  if (napi_unwrap(env, argv[0], (void **)&m) != napi_ok || !m) return throw_code(env, "EINVAL", "not a mapping handle");
  if (m->unmapped) return mk_bool(env, 0);
  for (size_t i = 0; i < m->nabs; i++) {
    napi_value ab = NULL;
    if (napi_get_reference_value(env, m->abs[i], &ab) == napi_ok && ab) napi_detach_arraybuffer(env, ab);
    napi_delete_reference(env, m->abs[i]);
  }
  m->nabs = 0;
  munmap(m->addr, m->size);
  m->unmapped = 1;
  return mk_bool(env, 1);
}

/* ---- accessor API (Electron): bounds-checked, little-endian (both guests are AArch64) ---- */

static mapping *access_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv, int64_t *off, int64_t width) {
  size_t argc = want;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  mapping *m = get_map(env, argv[0]);
  if (!m) return NULL;
  if (!arg_int(env, argv[1], off) || *off < 0 || width < 0 || (uint64_t)*off > m->size || (uint64_t)width > m->size - (uint64_t)*off) {
    char msg[128];
    snprintf(msg, sizeof msg, "shm access [%lld, +%lld) outside [0, %zu)", (long long)*off, (long long)width, m->size);
    throw_code(env, "SHM_BOUNDS", msg);
    return NULL;
  }
  return m;
}

static napi_value rd(napi_env env, napi_callback_info info, int w) {
  napi_value argv[2];
  int64_t off;
  mapping *m = access_args(env, info, 2, argv, &off, w);
  if (!m) return NULL;
  const volatile uint8_t *p = m->addr + off;
  uint32_t v = 0;
  for (int i = w - 1; i >= 0; i--) v = (v << 8) | p[i];
  napi_value r;
  napi_create_uint32(env, v, &r);
  return r;
}

static napi_value wr(napi_env env, napi_callback_info info, int w) {
  napi_value argv[3];
  int64_t off, v;
  mapping *m = access_args(env, info, 3, argv, &off, w);
  if (!m) return NULL;
  if (!arg_int(env, argv[2], &v)) return throw_code(env, "EINVAL", "value must be an integer");
  uint32_t u = (uint32_t)v;
  if (w == 4 && ((uintptr_t)(m->addr + off) & 3) == 0) {
    __atomic_store_n((uint32_t *)(m->addr + off), u, __ATOMIC_RELAXED); /* one store, as a guest's str */
    return NULL;
  }
  volatile uint8_t *p = m->addr + off;
  for (int i = 0; i < w; i++) p[i] = (uint8_t)(u >> (8 * i));
  return NULL;
}

static napi_value js_r8(napi_env env, napi_callback_info info) { return rd(env, info, 1); }
static napi_value js_r16(napi_env env, napi_callback_info info) { return rd(env, info, 2); }
static napi_value js_r32(napi_env env, napi_callback_info info) { return rd(env, info, 4); }
static napi_value js_w8(napi_env env, napi_callback_info info) { return wr(env, info, 1); }
static napi_value js_w16(napi_env env, napi_callback_info info) { return wr(env, info, 2); }
static napi_value js_w32(napi_env env, napi_callback_info info) { return wr(env, info, 4); }

/** read(handle, off, len) -> Uint8Array copy */
static napi_value js_read(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  size_t argc = 3;
  int64_t off, len;
  NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (!arg_int(env, argv[2], &len)) return throw_code(env, "EINVAL", "read(h, off, len)");
  mapping *m = access_args(env, info, 3, argv, &off, len);
  if (!m) return NULL;
  void *dst;
  napi_value ab, u8;
  NAPI_CALL(env, napi_create_arraybuffer(env, (size_t)len, &dst, &ab));
  memcpy(dst, m->addr + off, (size_t)len);
  NAPI_CALL(env, napi_create_typedarray(env, napi_uint8_array, (size_t)len, ab, 0, &u8));
  return u8;
}

/** write(handle, off, bytes: TypedArray) */
static napi_value js_write(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  size_t argc = 3;
  int64_t off;
  void *src;
  size_t n, boff;
  napi_typedarray_type tt;
  napi_value ab;
  NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (napi_get_typedarray_info(env, argv[2], &tt, &n, &src, &ab, &boff) != napi_ok || tt != napi_uint8_array)
    return throw_code(env, "EINVAL", "write(h, off, Uint8Array)");
  mapping *m = access_args(env, info, 3, argv, &off, (int64_t)n);
  if (!m) return NULL;
  memmove(m->addr + off, src, n);
  return NULL;
}

/** fill(handle, off, len, byte) */
static napi_value js_fill(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  size_t argc = 4;
  int64_t off, len, v;
  NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (!arg_int(env, argv[2], &len) || !arg_int(env, argv[3], &v)) return throw_code(env, "EINVAL", "fill(h, off, len, byte)");
  mapping *m = access_args(env, info, 4, argv, &off, len);
  if (!m) return NULL;
  memset(m->addr + off, (int)(v & 0xff), (size_t)len);
  return NULL;
}

/** copy(handle, dstOff, srcOff, len): memmove inside the mapping (bench and bulk moves) */
static napi_value js_copy(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  size_t argc = 4;
  int64_t dst, src, len;
  NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (!arg_int(env, argv[2], &src) || !arg_int(env, argv[3], &len)) return throw_code(env, "EINVAL", "copy(h, dst, src, len)");
  mapping *m = access_args(env, info, 4, argv, &dst, len);
  if (!m) return NULL;
  if (src < 0 || len < 0 || (uint64_t)src > m->size || (uint64_t)len > m->size - (uint64_t)src)
    return throw_code(env, "SHM_BOUNDS", "copy source outside the mapping");
  memmove(m->addr + dst, m->addr + src, (size_t)len);
  return NULL;
}

void init_shm(napi_env env, napi_value exports) {
  export_fn(env, exports, "memfd", js_memfd);
  export_fn(env, exports, "shmOpen", js_shm_open);
  export_fn(env, exports, "shmUnlink", js_shm_unlink);
  export_fn(env, exports, "fstatSize", js_fstat_size);
  export_fn(env, exports, "mmap", js_mmap);
  export_fn(env, exports, "buffer", js_buffer);
  export_fn(env, exports, "unmap", js_unmap);
  export_fn(env, exports, "r8", js_r8);
  export_fn(env, exports, "r16", js_r16);
  export_fn(env, exports, "r32", js_r32);
  export_fn(env, exports, "w8", js_w8);
  export_fn(env, exports, "w16", js_w16);
  export_fn(env, exports, "w32", js_w32);
  export_fn(env, exports, "read", js_read);
  export_fn(env, exports, "write", js_write);
  export_fn(env, exports, "fill", js_fill);
  export_fn(env, exports, "copy", js_copy);
}
