/* dm/sys/trust.c against the real file system (as root: it changes owners). */
#include <criterion/criterion.h>
#include "trust.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *
tmpdir(void)
{
  char *d = g_strdup("/tmp/dm-trust-XXXXXX");
  cr_assert_not_null(g_mkdtemp(d));
  return d;
}

static void
assert_dir_refused(const char *path, const char *fragment)
{
  g_autoptr(GError) error = NULL;
  int fd = dm_trust_open_dir(path, 0, &error);
  cr_assert_lt(fd, 0, "%s accepted", path);
  cr_assert(strstr(error->message, fragment), "%s: %s", path, error->message);
}

Test(trust, private_dirs_and_sticky_tmp_accepted_any_spelling)
{
  g_autofree char *d = tmpdir();
  g_autofree char *messy = g_strdup_printf("/%s//a/b/", d);
  g_autofree char *made = g_build_filename(d, "a", "b", NULL);
  g_autoptr(GError) error = NULL;
  struct stat st;
  int fd;

  /* Created with the mode asked, below /tmp (sticky, root's). */
  fd = dm_trust_open_dir(messy, 0700, &error);
  cr_assert_geq(fd, 0, "%s", error ? error->message : "");
  close(fd);
  cr_assert_eq(stat(made, &st), 0);
  cr_assert_eq(st.st_mode & 07777, 0700);
  /* /tmp itself is not a directory to trust with our files. */
  assert_dir_refused("/tmp", "writable by everyone");
  assert_dir_refused("/tmp/", "writable by everyone");
}

Test(trust, writable_parent_link_and_foreign_owner_refused)
{
  g_autofree char *d = tmpdir();
  g_autofree char *open = g_build_filename(d, "open", NULL);
  g_autofree char *below = g_build_filename(open, "run", NULL);
  g_autofree char *group = g_build_filename(d, "group", NULL);
  g_autofree char *link = g_build_filename(d, "link", NULL);
  g_autofree char *theirs = g_build_filename(d, "theirs", NULL);

  if (geteuid() != 0)
    cr_skip_test("needs root to chown");
  cr_assert_eq(mkdir(open, 0777), 0);
  cr_assert_eq(chmod(open, 0777), 0);
  cr_assert_eq(mkdir(below, 0700), 0);
  assert_dir_refused(below, "writable by everyone");
  cr_assert_eq(mkdir(group, 0700), 0);
  cr_assert_eq(chmod(group, 0770), 0);
  assert_dir_refused(group, "writable by its group");
  cr_assert_eq(symlink(d, link), 0);
  assert_dir_refused(link, "symbolic link");
  cr_assert_eq(mkdir(theirs, 0700), 0);
  cr_assert_eq(chown(theirs, 65534, 65534), 0);
  assert_dir_refused(theirs, "owned by uid 65534");
  /* A sticky directory that is not root's is no /tmp. */
  cr_assert_eq(chmod(theirs, 01777), 0);
  g_autofree char *inside = g_build_filename(theirs, "x", NULL);
  cr_assert_eq(mkdir(inside, 0700), 0);
  assert_dir_refused(inside, "owned by uid 65534");
}

Test(trust, files_regular_root_and_private)
{
  g_autofree char *d = tmpdir();
  g_autofree char *file = g_build_filename(d, "f", NULL);
  g_autofree char *fifo = g_build_filename(d, "fifo", NULL);
  g_autofree char *link = g_build_filename(d, "l", NULL);
  g_autoptr(GError) error = NULL;
  int fd;

  cr_assert(g_file_set_contents_full(file, "x", 1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, NULL));
  fd = dm_trust_open_path(file, TRUE, &error);
  cr_assert_geq(fd, 0, "%s", error ? error->message : "");
  cr_assert(fcntl(fd, F_GETFD) & FD_CLOEXEC);
  close(fd);

  cr_assert_eq(chmod(file, 0644), 0);
  fd = dm_trust_open_path(file, FALSE, NULL); /* readable is fine when not private */
  cr_assert_geq(fd, 0);
  close(fd);
  g_clear_error(&error);
  cr_assert_lt(dm_trust_open_path(file, TRUE, &error), 0);
  cr_assert(strstr(error->message, "readable by everyone"), "%s", error->message);

  cr_assert_eq(chmod(file, 0620), 0);
  g_clear_error(&error);
  cr_assert_lt(dm_trust_open_path(file, FALSE, &error), 0);
  cr_assert(strstr(error->message, "writable by its group"), "%s", error->message);

  /* A FIFO neither blocks the open nor passes. */
  cr_assert_eq(mkfifo(fifo, 0600), 0);
  g_clear_error(&error);
  cr_assert_lt(dm_trust_open_path(fifo, TRUE, &error), 0);
  cr_assert(strstr(error->message, "not a regular file"), "%s", error->message);

  cr_assert_eq(symlink(file, link), 0);
  g_clear_error(&error);
  cr_assert_lt(dm_trust_open_path(link, TRUE, &error), 0);
  cr_assert(strstr(error->message, "symbolic link"), "%s", error->message);

  g_clear_error(&error);
  cr_assert_lt(dm_trust_open_path("/dev/zero", TRUE, &error), 0);
  cr_assert(strstr(error->message, "not a regular file"), "%s", error->message);

  g_clear_error(&error);
  cr_assert_lt(dm_trust_open_path("/nonexistent-dm/x", TRUE, &error), 0);
  cr_assert_eq(errno, ENOENT);
}
