#!/usr/bin/env bash
# tools/lint.sh - what `make lint` runs. Four parts, each with a header:
#
#   format    clang-format --dry-run -Werror (style in .clang-format) over src/,
#             tests/unit and tests/fuzz
#   banned    banned C functions (STYLE.md rule 9), whole-word calls outside
#             comments and string literals, in src/ and tests/
#   tidy      clang-tidy (checks and their reasons in .clang-tidy) over src/,
#             tests/unit and tests/fuzz, with the build's compile_commands.json;
#             test files the build does not compile (fuzz drivers outside a
#             clang -Dfuzz=true build, unit tests in a -Dtests=false one) are
#             checked with the flags of a src/ file; headers of those folders
#             are checked where they are included
#   cppcheck  cppcheck warning,performance,portability over src/, tests/unit
#             and tests/fuzz
#
# Every part runs even when an earlier one failed; the script exits non-zero if
# any failed and says which. Needs no network.
#
# Usage: tools/lint.sh [part...]        (default: all four, in that order)
# Environment: BUILD_DIR (default build) holds compile_commands.json, which
#              `meson setup` writes; JOBS (default: CPU count); LINT_VERBOSE=1
#              prints every clang-format spot and the analyzer's full paths.
#
# A justified exception is written on the line it concerns:
#   banned:   /* lint:allow banned-NAME: why */
#   tidy:     /* NOLINT(check-name): why */
#   cppcheck: // cppcheck-suppress id  (on the line before; say why after it)
set -u

cd "$(dirname "$0")/.." || exit 2
ROOT=$(pwd)
BUILD_DIR=${BUILD_DIR:-build}
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}

failed=()

header()
{
	printf '\n== lint: %s ==\n' "$1"
}

# NUL-separated list of C files under the given folders (those that exist).
c_files()
{
	local dirs=()
	for d in "$@"; do
		[ -d "$d" ] && dirs+=("$d")
	done
	[ ${#dirs[@]} -gt 0 ] || return 0
	find "${dirs[@]}" -type f \( -name '*.c' -o -name '*.h' \) -print0 | sort -z
}

need()
{
	if ! command -v "$1" >/dev/null 2>&1; then
		echo "lint: $1 is not installed"
		return 1
	fi
}

part_format()
{
	header "format (clang-format --dry-run -Werror, .clang-format)"
	need clang-format || return 1
	local n
	n=$(c_files src tests/unit tests/fuzz | tr -cd '\0' | wc -c)
	if [ "$n" -eq 0 ]; then
		echo "no files"
		return 0
	fi
	# -Werror makes each spot that differs from the style an error; one line per
	# file (count and first spot) keeps the report short; LINT_VERBOSE=1 shows all.
	# shellcheck disable=SC2016 # the inner script expands its own variables
	if c_files src tests/unit tests/fuzz | xargs -0 -n 1 -P "$JOBS" sh -c '
		out=$(clang-format --dry-run -Werror --style=file "$0" 2>&1) && exit 0
		if [ -n "${LINT_VERBOSE:-}" ]; then
			printf "%s\n" "$out"
		else
			n=$(printf "%s\n" "$out" | grep -c "code should be clang-formatted")
			first=$(printf "%s\n" "$out" | sed -n "1s/^.*:\([0-9]*:[0-9]*\): error:.*/\1/p")
			echo "$0: $n spot(s) differ from .clang-format, first at line:column $first"
		fi
		exit 1'; then
		echo "ok: $n files"
		return 0
	fi
	echo "see the changes with: clang-format FILE | diff FILE -; apply with: clang-format -i FILE"
	return 1
}

part_banned()
{
	header "banned functions (STYLE.md rule 9)"
	need python3 || return 1
	c_files src tests | python3 -c '
import re, sys

# rule name -> (function, what to use instead)
RULES = [
    ("banned-strcpy",   "strcpy",   "no bound; use memcpy with a known length, or snprintf"),
    ("banned-strcat",   "strcat",   "no bound; build strings with snprintf or the arena printf"),
    ("banned-sprintf",  "sprintf",  "no bound; use snprintf"),
    ("banned-vsprintf", "vsprintf", "no bound; use vsnprintf"),
    ("banned-gets",     "gets",     "no bound at all; use fgets"),
    ("banned-atoi",     "atoi",     "no error report; use strtol/strtoll with errno and end checks"),
    ("banned-atol",     "atol",     "no error report; use strtol/strtoll with errno and end checks"),
    ("banned-strtok",   "strtok",   "hidden global state, not thread-safe; split a length-carrying slice"),
    ("banned-system",   "system",   "runs a shell; use posix_spawn or fork/exec with an argv"),
    ("banned-alloca",   "alloca",   "unbounded stack use; use a fixed buffer or the request arena"),
]
CALL = re.compile(r"(?<![\w.>])(" + "|".join(f for _, f, _ in RULES) + r")\s*\(")
BY_FUNC = {f: (r, why) for r, f, why in RULES}
ALLOW = re.compile(r"lint:allow\s+(banned-\w+)")

def blank_comments_and_strings(text):
    """Same text with comments, string and character literals blanked to spaces,
    newlines kept, so offsets still give line and column."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
        elif text.startswith("//", i):
            j = i + 2
            while j < n and text[j] != "\n":
                # a backslash-newline continues a // comment
                j += 2 if text[j] == "\\" and j + 1 < n else 1
        elif c in "\"\x27":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            j = min(j + 1, n)
        else:
            out.append(c)
            i += 1
            continue
        out.append("".join(ch if ch == "\n" else " " for ch in text[i:j]))
        i = j
    return "".join(out)

found = 0
for path in sys.stdin.read().split("\0"):
    if not path:
        continue
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    lines = text.split("\n")
    code = blank_comments_and_strings(text)
    for m in CALL.finditer(code):
        line = code.count("\n", 0, m.start()) + 1
        col = m.start() - (code.rfind("\n", 0, m.start()) + 1) + 1
        rule, why = BY_FUNC[m.group(1)]
        if rule in ALLOW.findall(lines[line - 1]):
            continue
        print(f"{path}:{line}:{col}: {rule}: {m.group(1)}() is banned: {why}")
        print("    " + lines[line - 1].strip())
        found += 1
print(f"{found} banned call(s)" if found else "ok: no banned calls")
sys.exit(1 if found else 0)
'
}

# The folders of C the analyzers read: the server and both kinds of tests.
C_TREE=(src tests/unit tests/fuzz)

part_tidy()
{
	header "clang-tidy (checks in .clang-tidy, $BUILD_DIR/compile_commands.json)"
	need clang-tidy || return 1
	need python3 || return 1
	local db="$BUILD_DIR/compile_commands.json"
	if [ ! -f "$db" ]; then
		echo "no $db: configure the build first (make, or: meson setup $BUILD_DIR)"
		return 1
	fi
	# A database of its own: the build's entries, plus one for each test file
	# the build does not compile (the fuzz drivers, which only a clang
	# -Dfuzz=true build compiles, and the unit tests of a -Dtests=false
	# build such as make's), with the flags of a src/ file (the same include
	# folders and defines) and what tests/unit/meson.build adds, pointed at
	# it. Prints the absolute paths of the C files of C_TREE to check, one
	# per line.
	local tmp files
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/wangge-tidy.XXXXXX") || return 1
	files=$(python3 - "$db" "$ROOT" "$tmp" "${C_TREE[@]}" <<-'PY'
		import glob, json, os, shlex, sys
		db, root, out, tree = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
		entries = json.load(open(db))
		def path(e):
		    return os.path.normpath(os.path.join(e["directory"], e["file"]))
		have = {path(e) for e in entries}
		model = next((e for e in entries if path(e).startswith(root + "/src/")), None)
		tests = glob.glob(os.path.join(root, "tests/unit/*.c")) + glob.glob(os.path.join(root, "tests/fuzz/*.c"))
		extra = ["-I" + os.path.join(root, "tests/unit"), '-DWG_SOURCE_ROOT="%s"' % root]
		for f in sorted(tests):
		    if f in have or model is None:
		        continue
		    args = model.get("arguments") or shlex.split(model["command"])
		    keep, i = [], 0
		    while i < len(args):
		        a = args[i]
		        if a in ("-o", "-MF", "-MQ", "-MT"):
		            i += 2
		            continue
		        if a not in ("-c", "-MD", "-MMD") and os.path.normpath(os.path.join(model["directory"], a)) != path(model):
		            keep.append(a)
		        i += 1
		    entries.append({"directory": model["directory"], "arguments": keep + extra + ["-c", f, "-o", os.devnull],
		                    "file": f})
		    have.add(f)
		with open(os.path.join(out, "compile_commands.json"), "w") as o:
		    json.dump(entries, o)
		for f in sorted(have):
		    if f.endswith(".c") and any(f.startswith(os.path.join(root, d) + "/") for d in tree):
		        print(f)
	PY
	)
	if [ -z "$files" ]; then
		echo "no files of ${C_TREE[*]} in $db"
		rm -rf "$tmp"
		return 1
	fi
	local n
	n=$(printf '%s\n' "$files" | wc -l)
	# One clang-tidy per file, in parallel. Compiler flags meant for gcc that
	# clang does not know must not count as findings. By default one line per
	# finding, paths relative to the repository and duplicates (a header seen
	# from several files) dropped; LINT_VERBOSE=1 shows the analyzer's paths.
	local out rc=0
	# shellcheck disable=SC2016 # the inner script expands its own variables
	out=$(printf '%s\n' "$files" | xargs -d '\n' -n 1 -P "$JOBS" sh -c '
		out=$(clang-tidy -p "$0" --quiet --extra-arg=-Wno-unknown-warning-option "$1" 2>&1)
		rc=$?
		printf "%s\n" "$out"
		exit $rc' "$tmp") || rc=1
	rm -rf "$tmp"
	if [ -n "${LINT_VERBOSE:-}" ]; then
		printf '%s\n' "$out" | grep -v -e '^[0-9]* warnings\? generated\.$' -e '^Suppressed [0-9]* warnings' \
			-e '^Use -header-filter='
	else
		printf '%s\n' "$out" | grep -E ': (error|warning): ' | sed -E 's#^[^:]*/(src|tests/unit|tests/fuzz)/#\1/#' |
			sort -u -t: -k1,1 -k2,2n -k3,3n
	fi
	if [ $rc -eq 0 ]; then
		echo "ok: $n files"
		return 0
	fi
	printf '%s\n' "$out" | grep -q -E ': (error|warning): ' || printf '%s\n' "$out" | tail -n 20
	return 1
}

part_cppcheck()
{
	header "cppcheck (warning, performance, portability)"
	need cppcheck || return 1
	# --library=gnu (which includes posix) teaches it the C library we use;
	# _GNU_SOURCE is what meson.build defines for every file, WG_SOURCE_ROOT
	# what tests/unit/meson.build defines for the tests (any path will do).
	if cppcheck --enable=warning,performance,portability --error-exitcode=1 --inline-suppr \
		-q -j "$JOBS" --std=c11 --library=gnu -D_GNU_SOURCE -DWG_SOURCE_ROOT='"."' \
		-I src -I tests/unit "${C_TREE[@]}"; then
		echo "ok"
		return 0
	fi
	return 1
}

parts=("$@")
[ ${#parts[@]} -gt 0 ] || parts=(format banned tidy cppcheck)
for p in "${parts[@]}"; do
	case "$p" in
	format | banned | tidy | cppcheck)
		"part_$p" || failed+=("$p")
		;;
	*)
		echo "lint: unknown part '$p' (format, banned, tidy, cppcheck)" >&2
		exit 2
		;;
	esac
done

echo
if [ ${#failed[@]} -gt 0 ]; then
	echo "lint: FAILED: ${failed[*]}"
	exit 1
fi
echo "lint: all passed (${parts[*]})"
