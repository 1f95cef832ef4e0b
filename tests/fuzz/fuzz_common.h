/* Shared by the libFuzzer harnesses: input decoding and a check that
 * aborts (so libFuzzer records a crash) whatever the build's assert flags. */
#pragma once
#include <glib.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_CHECK(cond)                                                                           \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond);                 \
      abort();                                                                                     \
    }                                                                                              \
  } while (0)

/* Decodes an argv.  Arguments are separated by NUL bytes; an input with no
 * NUL byte is split on newlines instead, so that the seed corpus is
 * readable text (one argument per line) while the fuzzer can still make
 * arguments that hold newlines.  A trailing separator ends the last
 * argument rather than starting an empty one.  Returns a NULL-terminated
 * array of owned strings. */
static inline GPtrArray *
fuzz_split_args(const uint8_t *data, size_t size)
{
  GPtrArray *args = g_ptr_array_new_null_terminated(8, g_free, TRUE);
  char sep = memchr(data, '\0', size) != NULL ? '\0' : '\n';
  size_t start = 0;

  /* memchr rather than a loop over every byte: the harnesses are built
   * with comparison tracing, which would otherwise record each byte. */
  while (start < size) {
    const uint8_t *end = memchr(data + start, sep, size - start);
    size_t len = end != NULL ? (size_t)(end - data) - start : size - start;

    g_ptr_array_add(args, g_strndup((const char *)data + start, len));
    start += len + 1;
  }
  return args;
}
