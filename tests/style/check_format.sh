#!/bin/sh
# The C sources follow .clang-format: a check, not a reformat.  To fix a
# failure, run clang-format-14 -i on the file it names (scripts/deps test
# installs it).  The version is pinned: another clang-format may lay out
# the same code differently.
#   check_format.sh SOURCE-DIR
set -eu
cd "$1"
cf=$(command -v clang-format-14 || true)
if [ -z "$cf" ]; then
  echo "clang-format-14 not found: scripts/deps test installs it" >&2
  exit 1
fi
files=$(find dm tests stubdom tools -name '*.[ch]' | sort)
bad=0
for f in $files; do
  if ! "$cf" --style=file --dry-run -Werror "$f" 2>/dev/null; then
    echo "$f: not formatted as .clang-format says (run: $cf -i $f)" >&2
    bad=1
  fi
done
[ $bad = 0 ] && echo "$(echo "$files" | wc -l) C files formatted as .clang-format says"
exit $bad
