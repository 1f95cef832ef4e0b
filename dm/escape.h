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
