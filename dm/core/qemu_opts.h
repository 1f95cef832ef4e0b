/* The one escaping function for values placed inside a qemu option. */
#pragma once
#include <glib.h>

/* QEMU splits option strings on ',' and reads ",," as a literal comma, so
 * every path or name spliced into "-drive file=...,format=raw" or
 * "-object secret,file=..." goes through here.  Nothing else needs
 * escaping: '=' only splits the first occurrence in an element, and spaces
 * are plain argv bytes. */
char *dm_qemu_escape(const char *value);

/* Replaces the value of secret-bearing keys ("password=", "data=" of a
 * secret object) with "***", for logs and --dry-run. */
char *dm_redact_arg(const char *arg);

/* For logs and printed plans: a value holding a newline (or any control
 * character) must not forge a second log line, which `diagnose` would
 * then read as the device model's own.  Returns `value` with '\\' as
 * "\\\\", '\n' '\r' '\t' as "\\n" "\\r" "\\t", and every other byte
 * below 0x20 and 0x7f as "\\xHH".  Other bytes pass unchanged. */
char *dm_escape_control(const char *value);
