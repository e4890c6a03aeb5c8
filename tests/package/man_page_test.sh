#!/usr/bin/env bash
# The man page (packaging/gaplog.1) is written by hand; this keeps it from falling behind the
# binary: every command `gaplog --help` lists and every option `gaplog serve --help` lists must
# be in it (as roff writes them: \- for each -), and man must render it without a warning (as
# lintian checks). A ctest (tests/CMakeLists.txt): it needs the built binary, nothing installed.
#   man_page_test.sh BINARY MAN-PAGE
set -euo pipefail
binary=$1
page=$2
missing=()

# CLI11's root help: the commands are the indented first words after "SUBCOMMANDS:".
commands=$("$binary" --help | awk '/^[A-Za-z]+:$/ { in_list = (tolower($0) == "subcommands:"); next }
  in_list && /^  [a-z]/ { print $1 }')
[ -n "$commands" ] || { echo "no commands found in '$binary --help'" >&2; exit 1; }
for c in $commands; do
  roff=${c//-/\\-}
  grep -qE "^\.(B|BR|BI) ${roff//\\/\\\\}( |$)" "$page" || missing+=("command $c")
done
options=$("$binary" serve --help | grep -oE '^ +--[a-z][a-z-]*' | tr -d ' ' | sort -u)
[ -n "$options" ] || { echo "no options found in '$binary serve --help'" >&2; exit 1; }
for o in $options; do
  [ "$o" = --help ] && continue
  roff=${o//-/\\-}
  grep -qF -- "$roff" "$page" || missing+=("serve option $o")
done
if [ ${#missing[@]} -gt 0 ]; then
  for m in "${missing[@]}"; do echo "$page is missing the $m" >&2; done
  echo "add them to $page (COMMANDS or SERVE OPTIONS), as gaplog --help describes them" >&2
  exit 1
fi
warnings=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l "$page" 2>&1 >/dev/null)
if [ -n "$warnings" ]; then
  echo "man warns about $page:" >&2
  echo "$warnings" >&2
  exit 1
fi
echo "$page names all $(wc -w <<<"$commands") commands and $(wc -w <<<"$options") serve options"
