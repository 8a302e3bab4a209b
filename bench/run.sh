#!/usr/bin/env bash
# figtrail's benchmark, one command:
#
#   bench/run.sh [SIZE] [DIR]
#
#   SIZE  corpus size, default 200M (K M G = 10^3 10^6 10^9; Ki Mi Gi = 1024^n)
#   DIR   where the corpora and results go, default ${TMPDIR:-/tmp}/figtrail-bench
#
# 1. Installs what is missing (./dev.sh install: its Debian packages and libbenchmark-dev),
#    builds figtrail and the benchmarks in Release in build-release/.
# 2. Generates, with seed 42, a corpus of SIZE (files of about 100 KB) and one
#    of SIZE/10 for the linearity check (bench/generate_corpus.cpp); a corpus
#    already in DIR with the same parameters is reused.
# 3. Runs figtrail-bench on the SIZE corpus: figtrail extract with 1 thread
#    and with all cores, figtrail ingest with all cores into a new database
#    (MB/s, figures/s, CPU time, peak RSS), the same extract runs on the
#    SIZE/10 corpus (time ratio), and the share of each pipeline stage.
# 4. Runs the micro-benchmarks (Google Benchmark).
#
# Results: DIR/results-SIZE.txt and .json, DIR/micro.txt and .json.
# REPEAT=3 bench/run.sh runs each figtrail command 3 times and keeps the
# fastest. At about 30 MB/s per core, 200M takes about 2 minutes once built.
# Other work on the machine skews wall times: run it on an idle machine. The
# "others" column shows how many cores other work kept busy during each run;
# MB/CPU-s and the stage shares (CPU time) are less affected by it.
set -euo pipefail
cd "$(dirname "$0")/.."

SIZE=${1:-200M}
DIR=${2:-${TMPDIR:-/tmp}/figtrail-bench}
SEED=42
REPEAT=${REPEAT:-1}
BUILD=build-release

# Bytes of a size with a K/M/G or Ki/Mi/Gi suffix (and an optional B).
to_bytes() {
  local s=${1%[Bb]} n unit
  n=${s%%[!0-9]*}
  unit=${s#"$n"}
  [ -n "$n" ] || { echo "bench/run.sh: not a size: $1" >&2; exit 2; }
  case "${unit^^}" in
    "") echo "$n" ;;
    K) echo $((n * 1000)) ;;
    M) echo $((n * 1000000)) ;;
    G) echo $((n * 1000000000)) ;;
    KI) echo $((n << 10)) ;;
    MI) echo $((n << 20)) ;;
    GI) echo $((n << 30)) ;;
    *) echo "bench/run.sh: not a size: $1" >&2; exit 2 ;;
  esac
}

# make_corpus BYTES DIR: generates the corpus unless DIR already holds it.
make_corpus() {
  local want
  want=$("$BUILD/bench/figtrail-bench-corpus" --size "$1" --seed "$SEED" --out "$2" --print-stamp)
  if [ -f "$2/.figtrail-bench-corpus" ] && [ "$want" = "$(cat "$2/.figtrail-bench-corpus")" ]; then
    echo "bench/run.sh: reusing $2" >&2
    return 0
  fi
  "$BUILD/bench/figtrail-bench-corpus" --size "$1" --seed "$SEED" --out "$2" --force
}

bytes=$(to_bytes "$SIZE")
small=$((bytes / 10))

# The packages figtrail builds with, and Google Benchmark.
./dev.sh install libbenchmark-dev
generator=()
[ -f "$BUILD/CMakeCache.txt" ] || generator=(-G Ninja)
cmake -S . -B "$BUILD" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF -DFIGTRAIL_BENCH=ON \
  -DCMAKE_CXX_FLAGS="" >/dev/null
cmake --build "$BUILD" --target figtrail figtrail-bench figtrail-bench-corpus figtrail-micro-bench

mkdir -p "$DIR"
make_corpus "$bytes" "$DIR/corpus-$bytes"
make_corpus "$small" "$DIR/corpus-$small"

"$BUILD/bench/figtrail-bench" --figtrail "$BUILD/figtrail" --tmp "$DIR" \
  --repeat "$REPEAT" --linearity "$DIR/corpus-$small" --json-out "$DIR/results-$SIZE.json" "$DIR/corpus-$bytes" |
  tee "$DIR/results-$SIZE.txt"

echo
"$BUILD/bench/figtrail-micro-bench" --benchmark_out="$DIR/micro.json" --benchmark_out_format=json |
  tee "$DIR/micro.txt"

echo
echo "bench/run.sh: results in $DIR/results-$SIZE.txt, $DIR/results-$SIZE.json, $DIR/micro.txt, $DIR/micro.json"
