{
  "targets": [
    {
      "target_name": "ivshmem",
      "conditions": [
        ["OS=='linux'", {
          "sources": ["src/addon.c", "src/sock.c", "src/shm.c", "src/poll.c"],
          "cflags": ["-std=gnu11", "-Wall", "-Wextra", "-Wno-unused-parameter", "-O2"],
          "defines": ["NAPI_VERSION=8", "_GNU_SOURCE"]
        }]
      ]
    }
  ]
}
