#!/usr/bin/env bash
# scripts/fuzz.sh — run every native Go fuzz target of the repository, one after another.
#
#   scripts/fuzz.sh [-t FUZZTIME] [-b BUDGET_SECONDS] [-l] [PATTERN]
#
# Targets are found, not listed: every `func FuzzXxx(f *testing.F)` in a *_test.go file of the module
# (the adapters' targets included), so a new target runs without editing anything. PATTERN (a regexp)
# keeps the targets whose "package-dir FuzzName" matches it.
#
#   -t FUZZTIME  go test -fuzztime per target (default 60s; "make fuzz" passes $(FUZZTIME))
#   -b SECONDS   total budget: each target gets min(FUZZTIME, SECONDS / number of targets), at least
#                3s ("make test" runs a short pass this way so the whole pass stays within its budget)
#   -l           list the targets and exit
#
# FUZZ_PARALLEL sets go test -parallel (fuzzing workers; default: GOMAXPROCS). A failing input is
# written by go test under the package's testdata/fuzz/<FuzzName>/ (commit it as a regression input
# once fixed); the script goes on with the other targets and fails at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

fuzztime=60s budget="" list=0
while getopts "t:b:l" o; do
	case $o in
	t) fuzztime=$OPTARG ;;
	b) budget=$OPTARG ;;
	l) list=1 ;;
	*) sed -n '2,18p' "$0"; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
pattern=${1:-.}

# "dir FuzzName" for every target, sorted.
mapfile -t targets < <(grep -rE --include='*_test.go' --exclude-dir='.?*' --exclude-dir=testdata \
	'^func Fuzz[A-Za-z0-9_]*\([A-Za-z_][A-Za-z0-9_]* \*testing\.F\)' . |
	sed -E 's#^\./(.*)/[^/]*_test\.go:func (Fuzz[A-Za-z0-9_]*)\(.*#\1 \2#; s#^\./[^/]*_test\.go:func (Fuzz[A-Za-z0-9_]*)\(.*#. \1#' |
	grep -E -- "$pattern" | sort -u)
if [ ${#targets[@]} -eq 0 ]; then
	echo "fuzz: no targets match $pattern" >&2
	exit 1
fi
if [ $list = 1 ]; then
	printf '%s\n' "${targets[@]}"
	exit 0
fi

per=$fuzztime
if [ -n "$budget" ]; then
	secs=$(( budget / ${#targets[@]} ))
	[ $secs -lt 3 ] && secs=3
	want=$fuzztime
	case $want in
	*s) want=${want%s} ;;
	*m) want=$(( ${want%m} * 60 )) ;;
	esac
	if [[ $want =~ ^[0-9]+$ ]] && [ "$want" -lt $secs ]; then secs=$want; fi
	per=${secs}s
fi

par=()
[ -n "${FUZZ_PARALLEL:-}" ] && par=(-parallel "$FUZZ_PARALLEL")
echo "fuzz: ${#targets[@]} targets, $per each"
failed=()
for t in "${targets[@]}"; do
	dir=${t% *} name=${t#* }
	echo "fuzz: $name in ./$dir"
	if ! go test -run '^$' -fuzz "^${name}\$" -fuzztime "$per" "${par[@]}" "./$dir"; then
		failed+=("$t")
	fi
done
if [ ${#failed[@]} -gt 0 ]; then
	echo "fuzz: FAILED: ${failed[*]}" >&2
	exit 1
fi
echo "fuzz: all ${#targets[@]} targets passed"
