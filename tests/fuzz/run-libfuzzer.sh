#!/bin/sh
# run-libfuzzer.sh SECONDS [NAME...] - builds every tests/fuzz/fuzz_*.c with
# clang and libFuzzer (-fsanitize=fuzzer,address,undefined) and runs each for
# SECONDS, seeded with tests/fuzz/corpus/NAME/. Only NAMEs given run, if any.
#
# The sources of build/libtr.a (the Makefile's LIB_SRCS) are recompiled with
# clang into build-fuzz/, with the Makefile's own flags (mk/flags.mk with
# SANITIZER=fuzzer-no-link,address,undefined, the -I flags and the
# pkg-config libraries of mk/deps.mk); warnings are not errors here, since
# clang warns about other things than gcc. A source that does not compile is
# reported and left out. New inputs go to build-fuzz/corpus/NAME/ (the seed
# folder in the tree is only read), crashes to build-fuzz/crashes/NAME-*.
# Last line: "N passed, N failed" (targets). Exit 1 if any failed.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
secs=${1:-}
case $secs in ''|*[!0-9]*) echo "usage: $0 SECONDS [NAME...]" >&2; exit 2 ;; esac
shift
only="$*"
F=build-fuzz
CC=${FUZZ_CC:-clang}
command -v "$CC" >/dev/null || { echo "$CC not found: apt-get install -y clang libclang-rt-14-dev" >&2; exit 1; }
mkdir -p "$F/obj" "$F/corpus" "$F/crashes" "$F/logs" || exit 1

# Ask the Makefile for its flags, libraries and library sources.
printer=$(mktemp) || exit 1
trap 'rm -f "$printer"' EXIT INT TERM
cat >"$printer" <<'MK'
tr-fuzz-print:
	$(info CFLAGS $(CFLAGS_ALL))
	$(info LIBS $(DEPS_LIBS))
	$(info SRCS $(LIB_SRCS))
	@:
MK
vars=$(make --no-print-directory -s -f Makefile -f "$printer" B="$F" CC="$CC" \
	SANITIZER=fuzzer-no-link,address,undefined tr-fuzz-print) || { echo "cannot read the Makefile's flags" >&2; exit 1; }
cflags=$(echo "$vars" | sed -n 's/^CFLAGS //p' | sed -e 's/-MMD//g' -e 's/-MP//g')
cflags="$cflags -Wno-error"
libs=$(echo "$vars" | sed -n 's/^LIBS //p')
srcs=$(echo "$vars" | sed -n 's/^SRCS //p')

# Library objects: rebuilt when the source or any header is newer.
objs=""
for src in $srcs; do
	obj="$F/obj/$(echo "$src" | tr / _ | sed 's/\.c$/.o/')"
	if [ ! -f "$obj" ] || [ "$src" -nt "$obj" ] ||
	   [ -n "$(find common sniffer decoder vault webui -name '*.h' -newer "$obj" 2>/dev/null | head -n 1)" ]; then
		echo "  CC(fuzz) $src"
		# shellcheck disable=SC2086
		if ! $CC $cflags -c "$src" -o "$obj" 2>"$F/logs/cc.log"; then
			echo "  skipped $src (does not compile with $CC):"
			head -n 5 "$F/logs/cc.log"
			rm -f "$obj"
			continue
		fi
	fi
	objs="$objs $obj"
done
rm -f "$F/libtr.a"
# shellcheck disable=SC2086
ar rcs "$F/libtr.a" $objs || exit 1

passed=0 failed=0
for t in tests/fuzz/fuzz_*.c; do
	[ -f "$t" ] || continue
	name=${t##*/fuzz_}
	name=${name%.c}
	if [ -n "$only" ]; then
		case " $only " in *" $name "*) ;; *) continue ;; esac
	fi
	bin="$F/fuzz_$name"
	# shellcheck disable=SC2086
	if ! $CC $cflags -fsanitize=fuzzer -o "$bin" "$t" "$F/libtr.a" $libs 2>"$F/logs/ld-$name.log"; then
		echo "fuzz_$name: FAIL (build)"
		head -n 10 "$F/logs/ld-$name.log"
		failed=$((failed + 1))
		continue
	fi
	mkdir -p "$F/corpus/$name"
	seeds=""
	[ -d "tests/fuzz/corpus/$name" ] && seeds="tests/fuzz/corpus/$name"
	log="$F/logs/fuzz-$name.log"
	# shellcheck disable=SC2086
	"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$F/crashes/$name-" "$F/corpus/$name" $seeds >"$log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	cov=$(grep -a -E '^#[0-9]+' "$log" | tail -n 1 | sed -E 's/.*cov: ([0-9]+).*/\1/')
	if [ $rc -eq 0 ]; then
		echo "fuzz_$name: ok (${runs:-?} runs in ${secs}s, cov ${cov:-?})"
		passed=$((passed + 1))
	else
		echo "fuzz_$name: FAIL (exit $rc), log $log"
		grep -a -E 'ERROR:|SUMMARY:|Test unit written to' "$log" | head -n 5
		for a in $(sed -n 's/.*Test unit written to //p' "$log"); do
			echo "  keep it: cp $a tests/fuzz/corpus/$name/"
		done
		failed=$((failed + 1))
	fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
