#include "fd_io.h"

#include <errno.h>
#include <unistd.h>

gboolean
dm_write_all(int fd, const void *data, gsize len)
{
  const char *p = data;

  while (len > 0) {
    ssize_t n = write(fd, p, len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return FALSE;
    p += n;
    len -= (gsize)n;
  }
  return TRUE;
}

gboolean
dm_read_up_to(int fd, void *buf, gsize size, gsize *len)
{
  ssize_t n;

  *len = 0;
  while (*len < size && (n = read(fd, (char *)buf + *len, size - *len)) != 0) {
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return FALSE;
    *len += (gsize)n;
  }
  return TRUE;
}
