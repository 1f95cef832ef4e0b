/* dm/sys/secret.c against the real file system. */
#include <criterion/criterion.h>
#include "secret.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

static char *
tmpdir(void)
{
  char *d = g_strdup("/tmp/dm-secret-XXXXXX");
  cr_assert_not_null(g_mkdtemp(d));
  return d;
}

Test(secret, written_private_and_exact)
{
  g_autofree char *d = tmpdir();
  g_autofree char *path = g_build_filename(d, "run", "5", "vnc-password", NULL);
  g_autofree char *data = NULL;
  g_autoptr(GError) error = NULL;
  struct stat st;
  gsize len;

  cr_assert(dm_secret_write(path, "pw1", 3, &error), "%s", error ? error->message : "");
  /* A second launch for the same domid replaces a stale file. */
  cr_assert(dm_secret_write(path, "pw2", 3, &error), "%s", error ? error->message : "");
  cr_assert(g_file_get_contents(path, &data, &len, NULL));
  cr_assert_eq(len, 3);
  cr_assert_str_eq(data, "pw2");
  cr_assert_eq(stat(path, &st), 0);
  cr_assert_eq(st.st_mode & 07777, 0600);
  g_autofree char *dir = g_path_get_dirname(path);
  cr_assert_eq(stat(dir, &st), 0);
  cr_assert_eq(st.st_mode & 07777, 0700);
}

Test(secret, read_file_drops_one_newline)
{
  g_autofree char *d = tmpdir();
  g_autofree char *p = g_build_filename(d, "pw", NULL);
  const char *cases[][2] = {
    { "abc\n", "abc" }, { "abc\r\n", "abc" }, { "abc", "abc" }, { "a b\n\n", "a b\n" }
  };
  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autoptr(GError) error = NULL;
    cr_assert(
      g_file_set_contents_full(p, cases[i][0], -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, NULL));
    char *pw = dm_secret_read_file(p, &error);
    cr_assert_not_null(pw, "%s", error ? error->message : "");
    cr_assert_str_eq(pw, cases[i][1]);
    dm_secret_free(pw);
  }
  g_autoptr(GError) error = NULL;
  cr_assert(g_file_set_contents_full(p, "\n", -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, NULL));
  cr_assert_null(dm_secret_read_file(p, &error));
  cr_assert(strstr(error->message, "must hold one password"), "%s", error->message);
  g_clear_error(&error);
  cr_assert_null(dm_secret_read_file("/nonexistent/pw", &error));
  cr_assert(strstr(error->message, "'/nonexistent': No such file or directory"), "%s",
            error->message);
}

/* A full disk: a 4 KiB tmpfs in a private mount namespace, filled up.
 * The write must fail with the system's reason and leave no file. */
Test(secret, disk_full_is_a_clear_error)
{
  g_autofree char *d = tmpdir();
  g_autofree char *filler = g_build_filename(d, "filler", NULL);
  g_autofree char *path = g_build_filename(d, "run", "5", "vnc-password", NULL);
  g_autoptr(GError) error = NULL;
  char block[4096];

  if (geteuid() != 0)
    cr_skip_test("needs root for a private tmpfs");
  cr_assert_eq(unshare(CLONE_NEWNS), 0, "%s", g_strerror(errno));
  cr_assert_eq(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
  cr_assert_eq(mount("dm-test", d, "tmpfs", 0, "size=16k,nr_inodes=16"), 0, "%s",
               g_strerror(errno));
  /* Room for the directories, none for data. */
  g_autofree char *dir = g_path_get_dirname(path);
  cr_assert_eq(g_mkdir_with_parents(dir, 0700), 0);
  FILE *f = fopen(filler, "w");
  memset(block, 'x', sizeof(block));
  while (fwrite(block, 1, sizeof(block), f) == sizeof(block) && fflush(f) == 0)
    ;
  fclose(f);
  cr_assert_not(dm_secret_write(path, "a-password", 10, &error));
  cr_assert(strstr(error->message, "writing the VNC password for qemu to '"), "%s", error->message);
  cr_assert(strstr(error->message, "No space left on device"), "%s", error->message);
  cr_assert_not(g_file_test(path, G_FILE_TEST_EXISTS), "a partial file was left");
  umount2(d, MNT_DETACH);
}
