#!/usr/bin/env bash
# The whole test suite on a fresh Debian 12 machine: install what is missing, check formatting, build and run
# every CTest suite (Release), then the fast suites again built by clang under AddressSanitizer +
# UndefinedBehaviorSanitizer, with a bounded run of each libFuzzer harness (label fuzz).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/bootstrap.sh

echo "== clang-format check"
git ls-files '*.cpp' '*.hpp' | xargs clang-format --dry-run --Werror

echo "== Release build and tests"
cmake --preset default >/dev/null
cmake --build --preset default
ctest --preset default

echo "== clang ASan+UBSan build, tests and fuzzers"
cmake --preset asan >/dev/null
cmake --build --preset asan
ctest --preset asan
