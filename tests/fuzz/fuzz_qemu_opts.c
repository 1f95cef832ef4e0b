/* libFuzzer harness: qemu's option syntax (pure code, dm/core/qemu_opts.c),
 * the one reader and writer of option strings that the launcher's checks
 * rest on.  Input: words separated by NUL bytes (by newlines when the
 * input has no NUL; see fuzz_common.h).  Each word is read as an option
 * string (with and without an implied key), as a value to escape and as
 * an argv word.  The property: no string means one thing to the launcher
 * and another to qemu.  qemu's reading is modelled here, apart from
 * qemu_opts.c, from util/qemu-option.c's rules (see read_as_qemu), and:
 * - split keeps every byte: its elements joined with ',' are the string;
 *   no element holds a comma qemu would split at; the elements are the
 *   model's, one for one (less a final empty one qemu never reads), and
 *   each sets the model's key;
 * - get gives the model's last value of a key, "is" its keys;
 * - escape then split gives one element that reads back as the value,
 *   also as the file= of a -drive between other keys, and as -vnc's
 *   implied display;
 * - redact leaves no secret key's value under either reading, and
 *   changes nothing else. */
#include "fuzz_common.h"

#include "qemu_opts.h"
#include "util.h"

static const char *const secret_keys[] = { "password", "data", "passwd", "key", NULL };
static const char *const fixed_keys[] = { "file", "format", "password", "to", "vnc",
                                          "",     "a",      "x",        NULL };

/* One KEY=VALUE as qemu reads it. */
typedef struct {
  char *key;
  char *value;        /* unescaped; "on"/"off" for a flag */
  gboolean has_value; /* written with '=' (or the implied value) */
} Pair;

static void
pair_free(gpointer p)
{
  Pair *pair = p;
  g_free(pair->key);
  g_free(pair->value);
  g_free(pair);
}

/* The reference model: what qemu's opts_do_parse makes of `s`, with the
 * option's implied key `implied` (NULL for none), walked by index.
 * At each position: the key is the bytes up to the first '=' or ','.
 * If '=' came first, the value follows it; if not, and this is the first
 * position and there is an implied key, the value starts right here.
 * A value copies bytes up to a ',' that is not followed by another ','
 * (each ",," gives one ','); the key otherwise is a flag, ending at that
 * ',', and means KEY=on, or K=off when it is "noK".  One ',' after each
 * is skipped; the walk ends at the string's end, whatever was last.
 * *implied_first says whether the first pair is the implied one. */
static GPtrArray *
read_as_qemu(const char *s, const char *implied, gboolean *implied_first)
{
  GPtrArray *pairs = g_ptr_array_new_with_free_func(pair_free);
  size_t n = strlen(s), at = 0;

  *implied_first = FALSE;
  while (at < n) {
    size_t key_end = at;
    Pair *pair = g_new0(Pair, 1);

    while (key_end < n && s[key_end] != '=' && s[key_end] != ',')
      key_end++;
    if ((key_end < n && s[key_end] == '=') || (at == 0 && implied != NULL)) {
      GString *value = g_string_new(NULL);
      size_t j = s[key_end] == '=' ? key_end + 1 : at;

      gboolean takes_implied = at == 0 && s[key_end] != '=';

      *implied_first = *implied_first || takes_implied;
      pair->key = takes_implied ? g_strdup(implied) : g_strndup(s + at, key_end - at);
      while (j < n && !(s[j] == ',' && (j + 1 >= n || s[j + 1] != ','))) {
        g_string_append_c(value, s[j]);
        j += s[j] == ',' ? 2 : 1;
      }
      pair->value = g_string_free(value, FALSE);
      pair->has_value = TRUE;
      at = j;
    } else {
      gboolean no = key_end - at >= 2 && s[at] == 'n' && s[at + 1] == 'o';
      pair->key = g_strndup(s + at + (no ? 2 : 0), key_end - at - (no ? 2 : 0));
      pair->value = g_strdup(no ? "off" : "on");
      at = key_end;
    }
    g_ptr_array_add(pairs, pair);
    if (at < n)
      at++; /* the ',' that ended it */
  }
  return pairs;
}

/* The model's value of `key`: the last pair's that has it. */
static const char *
model_get(GPtrArray *pairs, const char *key)
{
  for (guint i = pairs->len; i-- > 0;) {
    const Pair *pair = g_ptr_array_index(pairs, i);
    if (strcmp(pair->key, key) == 0)
      return pair->value;
  }
  return NULL;
}

static void
check_split(const char *optstr, const char *implied)
{
  g_autoptr(GPtrArray) elements = dm_qemu_opts_split(optstr, implied != NULL);
  g_autoptr(GString) joined = g_string_new(NULL);
  gboolean implied_first;
  g_autoptr(GPtrArray) pairs = read_as_qemu(optstr, implied, &implied_first);
  const char *last = NULL;
  guint read;

  FUZZ_CHECK(elements->len >= 1);
  for (guint i = 0; i < elements->len; i++) {
    const char *e = g_ptr_array_index(elements, i);
    g_autofree char *plain = dm_qemu_unescape(e);
    g_autofree char *again = dm_qemu_escape(plain);
    /* Every comma inside an element is one of a pair. */
    FUZZ_CHECK(strcmp(again, e) == 0);
    g_string_append_printf(joined, "%s%s", i ? "," : "", e);
    last = e;
  }
  FUZZ_CHECK(strcmp(joined->str, optstr) == 0);

  /* One element per pair the model reads; a final empty one is not read. */
  read = elements->len - (*last == '\0' ? 1 : 0);
  FUZZ_CHECK(read == pairs->len);
  for (guint i = 0; i < read && i < 32; i++) {
    const char *e = g_ptr_array_index(elements, i);
    const Pair *pair = g_ptr_array_index(pairs, i);

    if (i == 0 && implied != NULL) {
      FUZZ_CHECK(dm_qemu_opt_implied(e) == implied_first);
      if (implied_first) {
        g_autofree char *value = dm_qemu_unescape(e);
        FUZZ_CHECK(strcmp(value, pair->value) == 0);
        continue;
      }
    }
    FUZZ_CHECK(dm_qemu_opt_is(e, pair->key));
    for (const char *const *k = fixed_keys; *k; k++)
      FUZZ_CHECK(dm_qemu_opt_is(e, *k) == (strcmp(pair->key, *k) == 0));
  }
}

static void
check_get(const char *optstr, const char *implied)
{
  gboolean implied_first;
  g_autoptr(GPtrArray) pairs = read_as_qemu(optstr, implied, &implied_first);

  for (guint i = 0; i < pairs->len + G_N_ELEMENTS(fixed_keys) - 1 && i < 40; i++) {
    const char *key = i < pairs->len ? ((const Pair *)g_ptr_array_index(pairs, i))->key
                                     : fixed_keys[i - pairs->len];
    const char *want = model_get(pairs, key);
    g_autofree char *got = dm_qemu_opt_get_implied(optstr, implied, key);

    FUZZ_CHECK((got == NULL) == (want == NULL));
    FUZZ_CHECK(got == NULL || strcmp(got, want) == 0);
    if (implied == NULL) {
      g_autofree char *plain = dm_qemu_opt_get(optstr, key);
      FUZZ_CHECK((plain == NULL) == (want == NULL));
      FUZZ_CHECK(plain == NULL || strcmp(plain, want) == 0);
    }
  }
  /* dm_qemu_opt_get(NULL): the first value, if an implied key took it. */
  if (implied != NULL) {
    g_autofree char *first = dm_qemu_opt_get(optstr, NULL);
    const Pair *pair = pairs->len ? g_ptr_array_index(pairs, 0) : NULL;
    if (implied_first && pair != NULL)
      FUZZ_CHECK(first != NULL && strcmp(first, pair->value) == 0);
    else
      FUZZ_CHECK(first == NULL);
  }
}

static void
check_escape(const char *value)
{
  g_autofree char *escaped = dm_qemu_escape(value);
  g_autoptr(GPtrArray) one = dm_qemu_opts_split(escaped, TRUE);
  g_autofree char *back = dm_qemu_unescape(g_ptr_array_index(one, 0));
  g_autofree char *drive = g_strdup_printf("if=ide,file=%s,format=raw", escaped);
  g_autofree char *file = dm_qemu_opt_get(drive, "file");
  g_autofree char *format = dm_qemu_opt_get(drive, "format");
  g_autofree char *shown = dm_escape_control(value);

  FUZZ_CHECK(one->len == 1 && strcmp(back, value) == 0);
  FUZZ_CHECK(file != NULL && strcmp(file, value) == 0);
  FUZZ_CHECK(format != NULL && strcmp(format, "raw") == 0);
  /* As -vnc's display, spelt as dm_vnc_rewrite does. */
  if (*value != '\0') {
    g_autofree char *vnc =
      g_strdup_printf("%s%s,to=9", dm_qemu_opt_implied(escaped) ? "" : "vnc=", escaped);
    g_autofree char *display = dm_qemu_opt_get_implied(vnc, "vnc", "vnc");
    g_autofree char *to = dm_qemu_opt_get_implied(vnc, "vnc", "to");
    FUZZ_CHECK(display != NULL && strcmp(display, value) == 0);
    FUZZ_CHECK(to != NULL && strcmp(to, "9") == 0);
  }
  for (const char *p = shown; *p; p++)
    FUZZ_CHECK((unsigned char)*p >= 0x20 && *p != 0x7f);
}

/* Under the reading of `implied`: the redacted string has the same keys
 * as the original, every secret key's value is "***", and (for the
 * reading without implied key, redaction's own) nothing else changed. */
static void
check_redacted_reading(const char *optstr, const char *redacted, const char *implied)
{
  gboolean implied_first, implied_after;
  g_autoptr(GPtrArray) was = read_as_qemu(optstr, implied, &implied_first);
  g_autoptr(GPtrArray) now = read_as_qemu(redacted, implied, &implied_after);

  FUZZ_CHECK(was->len == now->len && implied_first == implied_after);
  for (guint i = 0; i < now->len; i++) {
    const Pair *a = g_ptr_array_index(was, i);
    const Pair *b = g_ptr_array_index(now, i);
    gboolean secret =
      b->has_value && !(i == 0 && implied_after) && g_strv_contains(secret_keys, b->key);

    FUZZ_CHECK(strcmp(a->key, b->key) == 0 && a->has_value == b->has_value);
    if (secret)
      FUZZ_CHECK(strcmp(b->value, "***") == 0);
    else if (implied == NULL)
      FUZZ_CHECK(strcmp(a->value, b->value) == 0);
  }
}

static void
check_redact(const char *optstr)
{
  g_autofree char *redacted = dm_redact_arg(optstr);
  g_autofree char *twice = dm_redact_arg(redacted);
  g_autoptr(GPtrArray) elements = dm_qemu_opts_split(optstr, FALSE);
  g_autoptr(GPtrArray) after = dm_qemu_opts_split(redacted, FALSE);

  FUZZ_CHECK(strcmp(redacted, twice) == 0);
  FUZZ_CHECK(after->len == elements->len);
  for (guint i = 0; i < after->len; i++) {
    const char *was = g_ptr_array_index(elements, i);
    const char *now = g_ptr_array_index(after, i);
    const char *eq = strchr(was, '=');
    g_autofree char *key =
      eq && !memchr(was, ',', (size_t)(eq - was)) ? g_strndup(was, (gsize)(eq - was)) : NULL;

    if (key != NULL && g_strv_contains(secret_keys, key)) {
      FUZZ_CHECK(g_str_has_prefix(now, key) && strcmp(now + strlen(key), "=***") == 0);
    } else {
      FUZZ_CHECK(strcmp(now, was) == 0);
    }
  }
  check_redacted_reading(optstr, redacted, NULL);
  check_redacted_reading(optstr, redacted, "vnc");
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
  FUZZ_CHECK(arg[0] != '-' || !dm_image_option(arg));
  if (name == NULL)
    return;
  FUZZ_CHECK(arg[0] == '-' && *name != '\0' && name > arg && name <= arg + 2);
  FUZZ_CHECK(strcmp(arg + strlen(arg) - strlen(name), name) == 0);
  arity = dm_option_arity(name);
  FUZZ_CHECK(arity == DM_ARITY_FLAG || arity == DM_ARITY_VALUE || arity == DM_ARITY_UNKNOWN);
  FUZZ_CHECK(dm_disk_option(name) == NULL || dm_image_option(name));
  FUZZ_CHECK(!dm_image_option(name) || arity == DM_ARITY_VALUE);
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

    check_split(word, NULL);
    check_split(word, "vnc");
    check_get(word, NULL);
    check_get(word, "vnc");
    check_escape(word);
    check_redact(word);
    check_option(word);
  }
  return 0;
}
