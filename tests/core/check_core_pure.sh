#!/bin/sh
# The rule behind dm/core: pure code, no side effects.  The compiler
# enforces half of it (the core's include path holds only dm/core, so a
# core file cannot include a dm/sys header); this checks the other half on
# the built archive: every symbol the core calls and does not define is
# glib's non-I/O part or one of the libc functions below.  No syscall
# wrapper, no libxenstore, no libxenctrl, no libseccomp.
#   check_core_pure.sh libdmcore.a
set -eu
archive=$1
defined=$(nm --defined-only "$archive" | awk 'NF==3 {print $3}' | sort -u)
undefined=$(nm -u "$archive" | awk '$1=="U" {print $2}' | sort -u)

# libc functions that only read their arguments.  getaddrinfo is called
# with AI_NUMERICHOST only (dm/core/vnc.c): it parses a number, no lookup.
libc_ok='^(atoi|atol|htonl|htons|ntohl|ntohs|memchr|memcmp|memcpy|memmove|memset|strchr|strcmp|strcspn|strlen|strncmp|strnlen|strrchr|strspn|strstr|strtol|strtoul|strtoll|strtoull|getaddrinfo|freeaddrinfo|inet_ntop|inet_pton|__stack_chk_fail|_GLOBAL_OFFSET_TABLE_)$'
# glib's functions with side effects: files, processes, the environment,
# clocks, threads and output.
glib_io='^g_(file_|spawn|mkdir|mkdtemp|mkstemp|open|creat|unlink|remove|rename|rmdir|chmod|access|stat|lstat|dir_|io_channel|getenv|setenv|unsetenv|listenv|get_environ|get_real_time|get_monotonic_time|date_time_new_now|usleep|thread|subprocess|print|printerr|log|fprintf|printf|get_user|get_home|get_tmp|get_host|key_file_load_from_file|key_file_save)'

bad=0
for sym in $undefined; do
  if printf '%s\n' "$defined" | grep -qx "$sym"; then continue; fi
  case $sym in
    __asan_*|__ubsan_*|__sanitizer_*|__sancov_*|__llvm_*|__profc_*) continue ;;
    g_*)
      if printf '%s\n' "$sym" | grep -Eq "$glib_io"; then
        echo "dm/core calls $sym (glib with a side effect): move the caller to dm/sys" >&2
        bad=1
      fi ;;
    *)
      if ! printf '%s\n' "$sym" | grep -Eq "$libc_ok"; then
        echo "dm/core calls $sym, which is not on the pure list: move the caller to dm/sys, or add it to $0 if it only reads its arguments" >&2
        bad=1
      fi ;;
  esac
done
[ $bad = 0 ] && echo "dm/core: $(printf '%s\n' "$undefined" | wc -l) external symbols, all pure"
exit $bad
