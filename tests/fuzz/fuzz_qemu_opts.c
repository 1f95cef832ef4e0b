/* libFuzzer harness: qemu's option syntax (pure code, dm/core/qemu_opts.c),
 * the one reader and writer of option strings that the launcher's checks
 * rest on.  Input: words separated by NUL bytes (by newlines when the
 * input has no NUL; see fuzz_common.h).  Each word is read as an option
 * string, as a value to escape and as an argv word, and the invariants
 * below tie split, unescape, get, "is this key", escape and redact
 * together:
 * - split keeps every byte: its elements joined with ',' are the string,
 *   and no element holds a comma qemu would split at;
 * - escape then split gives one element that reads back as the value,
 *   also as the file= of a -drive between other keys;
 * - get agrees with split: a key's value is the first element with that
 *   key, and the key-less first element is the first element without '=';
 * - redact leaves no secret key's value, and changes nothing else. */
#include "fuzz_common.h"

#include "qemu_opts.h"

static const char *const secret_keys[] = { "password", "data", "passwd", "key", NULL };
static const char *const fixed_keys[] = { "file", "format", "password", "to", "", NULL };

/* The key of an unescaped element: up to the first '=', or NULL. */
static char *
key_of(const char *element)
{
  const char *eq = strchr(element, '=');
  return eq ? g_strndup(element, (gsize)(eq - element)) : NULL;
}

static void
check_split(const char *optstr, GPtrArray *elements)
{
  g_autoptr(GString) joined = g_string_new(NULL);

  FUZZ_CHECK(elements->len >= 1);
  for (guint i = 0; i < elements->len; i++) {
    const char *e = g_ptr_array_index(elements, i);
    g_autofree char *plain = dm_qemu_unescape(e);
    g_autofree char *again = dm_qemu_escape(plain);
    /* Every comma inside an element is one of a pair. */
    FUZZ_CHECK(strcmp(again, e) == 0);
    g_string_append_printf(joined, "%s%s", i ? "," : "", e);
  }
  FUZZ_CHECK(strcmp(joined->str, optstr) == 0);
}

static void
check_get(const char *optstr, GPtrArray *elements)
{
  g_autofree char *first = dm_qemu_unescape(g_ptr_array_index(elements, 0));
  g_autofree char *keyless = dm_qemu_opt_get(optstr, NULL);

  if (strchr(first, '=') == NULL)
    FUZZ_CHECK(keyless != NULL && strcmp(keyless, first) == 0);
  else
    FUZZ_CHECK(keyless == NULL);

  for (guint i = 0; i < elements->len && i < 16; i++) {
    const char *written = g_ptr_array_index(elements, i);
    g_autofree char *e = dm_qemu_unescape(written);
    g_autofree char *key = key_of(e);
    g_autofree char *got = NULL;
    g_autofree char *want = NULL;

    /* "Is this key" agrees: the key is what precedes '=', or the whole
     * element for a flag. */
    for (const char *const *k = fixed_keys; *k; k++)
      FUZZ_CHECK(dm_qemu_opt_is(written, *k) == (strcmp(key ? key : e, *k) == 0));
    if (key == NULL)
      continue;
    FUZZ_CHECK(strchr(key, ',') != NULL || dm_qemu_opt_is(written, key));
    /* The first element with the key gives the value. */
    for (guint j = 0; j <= i && want == NULL; j++) {
      g_autofree char *earlier = dm_qemu_unescape(g_ptr_array_index(elements, j));
      g_autofree char *earlier_key = key_of(earlier);
      if (earlier_key != NULL && strcmp(earlier_key, key) == 0)
        want = g_strdup(earlier + strlen(key) + 1);
    }
    got = dm_qemu_opt_get(optstr, key);
    FUZZ_CHECK(got != NULL && want != NULL && strcmp(got, want) == 0);
  }
}

static void
check_escape(const char *value)
{
  g_autofree char *escaped = dm_qemu_escape(value);
  g_autoptr(GPtrArray) one = dm_qemu_opts_split(escaped);
  g_autofree char *back = dm_qemu_unescape(g_ptr_array_index(one, 0));
  g_autofree char *drive = g_strdup_printf("if=ide,file=%s,format=raw", escaped);
  g_autofree char *file = dm_qemu_opt_get(drive, "file");
  g_autofree char *format = dm_qemu_opt_get(drive, "format");
  g_autofree char *shown = dm_escape_control(value);

  FUZZ_CHECK(one->len == 1 && strcmp(back, value) == 0);
  FUZZ_CHECK(file != NULL && strcmp(file, value) == 0);
  FUZZ_CHECK(format != NULL && strcmp(format, "raw") == 0);
  for (const char *p = shown; *p; p++)
    FUZZ_CHECK((unsigned char)*p >= 0x20 && *p != 0x7f);
}

static void
check_redact(const char *optstr, GPtrArray *elements)
{
  g_autofree char *redacted = dm_redact_arg(optstr);
  g_autofree char *twice = dm_redact_arg(redacted);
  g_autoptr(GPtrArray) after = dm_qemu_opts_split(redacted);

  FUZZ_CHECK(strcmp(redacted, twice) == 0);
  FUZZ_CHECK(after->len == elements->len);
  for (guint i = 0; i < after->len; i++) {
    const char *was = g_ptr_array_index(elements, i);
    const char *now = g_ptr_array_index(after, i);
    g_autofree char *key = key_of(was);

    if (key != NULL && g_strv_contains(secret_keys, key)) {
      FUZZ_CHECK(g_str_has_prefix(now, key) && strcmp(now + strlen(key), "=***") == 0);
    } else {
      FUZZ_CHECK(strcmp(now, was) == 0);
    }
  }
  for (const char *const *k = secret_keys; *k; k++) {
    g_autofree char *value = dm_qemu_opt_get(redacted, *k);
    FUZZ_CHECK(value == NULL || strcmp(value, "***") == 0);
  }
}

static void
check_option(const char *arg)
{
  const char *name = dm_option_name(arg);
  const DmDiskOption *disk;
  DmArity arity;

  /* The tables hold names: a word with its dashes is none of them. */
  FUZZ_CHECK(arg[0] != '-' || dm_option_arity(arg) == DM_ARITY_UNKNOWN);
  FUZZ_CHECK(arg[0] != '-' || dm_disk_option(arg) == NULL);
  if (name == NULL)
    return;
  FUZZ_CHECK(arg[0] == '-' && *name != '\0' && name > arg && name <= arg + 2);
  FUZZ_CHECK(strcmp(arg + strlen(arg) - strlen(name), name) == 0);
  arity = dm_option_arity(name);
  FUZZ_CHECK(arity == DM_ARITY_FLAG || arity == DM_ARITY_VALUE || arity == DM_ARITY_UNKNOWN);
  disk = dm_disk_option(name);
  if (disk != NULL) {
    FUZZ_CHECK(strcmp(disk->name, name) == 0 && arity == DM_ARITY_VALUE);
    FUZZ_CHECK((disk->ide_index < 0) == (disk->media == NULL) && disk->ide_index < 4);
  }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  g_autoptr(GPtrArray) words = fuzz_split_args(data, size);

  for (guint w = 0; w < words->len; w++) {
    const char *word = g_ptr_array_index(words, w);
    g_autoptr(GPtrArray) elements = dm_qemu_opts_split(word);

    check_split(word, elements);
    check_get(word, elements);
    check_escape(word);
    check_redact(word, elements);
    check_option(word);
  }
  return 0;
}
