#!/usr/bin/env bash
# figtrail's one entry point for people and CI.
#   ./dev.sh run    install what is missing, build, ingest corpus/ into figtrail.db, print a summary
#   ./dev.sh test   install what is missing, build, run the whole test suite (ctest)
#   ./dev.sh sanitize  build the suite again with clang under ASan+UBSan in build-sanitize/ (or
#                   $SANITIZE_DIR) and run it there, with a timed libFuzzer run
#   ./dev.sh build  install what is missing and build only
#   ./dev.sh install [PACKAGE...]  install what is missing of the build's
#                   packages and the ones named (bench/run.sh adds libbenchmark-dev)
# Works on a fresh Debian 12 machine as root (or with sudo).
set -euo pipefail
cd "$(dirname "$0")"

# Debian 12 packages figtrail builds and tests with.
PACKAGES=(g++ cmake ninja-build pkg-config libicu-dev libre2-dev libutf8proc-dev libsqlite3-dev
          libssl-dev catch2 libcli11-dev nlohmann-json3-dev libgumbo-dev)
# And for `sanitize`, the sanitizer build: clang (the /usr/bin/clang++ link),
# clang-14, and libclang-rt-14-dev (the ASan, UBSan and libFuzzer runtimes).
SANITIZE_PACKAGES=(clang clang-14 libclang-rt-14-dev)

# install_missing PACKAGE...
install_missing() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "dev.sh: installing ${missing[*]}" >&2
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

build() {
  install_missing "${PACKAGES[@]}"
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" -DBUILD_TESTING=ON >/dev/null
  cmake --build build
}

# The whole suite again under AddressSanitizer and UndefinedBehaviorSanitizer,
# built with clang, plus the timed libFuzzer run (README, "Robustness").
SANITIZE_DIR="${SANITIZE_DIR:-build-sanitize}"
sanitize_build() {
  install_missing "${PACKAGES[@]}" "${SANITIZE_PACKAGES[@]}"
  CC=clang CXX=clang++ cmake -S . -B "$SANITIZE_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=ON \
    -DFIGTRAIL_SANITIZE=ON -DFIGTRAIL_FUZZ=ON >/dev/null
  cmake --build "$SANITIZE_DIR"
}

case "${1:-}" in
  run)
    build
    build/figtrail ingest --db figtrail.db corpus/
    build/figtrail audit --db figtrail.db
    ;;
  test)
    build
    ctest --test-dir build --output-on-failure
    ;;
  sanitize)
    sanitize_build
    UBSAN_OPTIONS=print_stacktrace=1 ctest --test-dir "$SANITIZE_DIR" --output-on-failure
    ;;
  build)
    build
    ;;
  install)
    shift
    install_missing "${PACKAGES[@]}" "$@"
    ;;
  *)
    echo "usage: ./dev.sh run|test|sanitize|build|install [PACKAGE...]" >&2
    exit 2
    ;;
esac
