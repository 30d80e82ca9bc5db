#!/usr/bin/env bash
# install:example: the package an outside CMake project uses. Installs this build into a fresh prefix, builds
# examples/run_program against it with find_package(Systole), checks the consumer's build reads nothing from the
# source or build tree, then runs the shipped gemm program on the functional backend with the installed arch configs
# and compares its output with the expected tensor, value for value.
#   test_install.sh BUILD_DIR SOURCE_DIR WORK_DIR
set -euo pipefail
build=$1 src=$2 work=$3
rm -rf "$work"
mkdir -p "$work"
prefix=$work/prefix

cmake --install "$build" --prefix "$prefix" >"$work/install.log"
for f in include/systole/runtime.hpp include/systole/arch.hpp include/systole/error.hpp \
         include/systole/spec/isa_gen.hpp lib/cmake/Systole/SystoleConfig.cmake share/systole/arch/default.toml \
         share/systole/boards/u280.toml bin/systole; do
  [[ -e $prefix/$f ]] || { echo "FAIL: the install has no $f"; exit 1; }
done

cmake -S "$src/examples/run_program" -B "$work/build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DCMAKE_PREFIX_PATH="$prefix" >"$work/configure.log"
cmake --build "$work/build" >"$work/build.log"
# Every include path and library the consumer's build uses comes from the prefix or the system, never from this tree.
paths=$(grep -E '^  (INCLUDES|LINK_LIBRARIES|FLAGS|DEFINES) = ' "$work/build/build.ninja" | tr ' ' '\n' |
        sed -E 's/^-(I|isystem)//' | grep '^/' || true)
[[ -n $paths ]] || { echo "FAIL: found no include or library paths in the consumer's build.ninja"; exit 1; }
if grep -v -e "^$prefix/" -e '^/usr/' <<<"$paths"; then
  echo "FAIL: the consumer's build uses paths outside the prefix and the system (above)"
  exit 1
fi

# The installed arch configs only: the source tree's hw/arch is hidden behind $SYSTOLE_ARCH_DIR.
SYSTOLE_ARCH_DIR=$prefix/share/systole/arch "$work/build/run_program" "$build/models/gemm.sys" \
  a="$src/models/programs/gemm_a.npy" -o "$work/out" | tee "$work/run.log"
grep -qx 'y: int8 \[32, 32\]' "$work/run.log" || { echo "FAIL: run_program did not report output y"; exit 1; }
/usr/bin/python3 - "$work/out/y.npy" "$src/models/programs/gemm_y_expected.npy" <<'PY'
import sys
import numpy as np
got, want = np.load(sys.argv[1]), np.load(sys.argv[2])
assert got.dtype == want.dtype and got.shape == want.shape, (got.dtype, got.shape, want.dtype, want.shape)
diff = int((got != want).sum())
assert diff == 0, f"{diff} of {want.size} values differ from the expected output"
print(f"run_program output equals gemm_y_expected.npy ({want.size} values)")
PY

# A bad program file is one error line and a non-zero exit, through the installed library too.
printf 'not a program' >"$work/bad.sys"
if "$work/build/run_program" "$work/bad.sys" -o "$work/out2" 2>"$work/bad.log"; then
  echo "FAIL: run_program accepted a file that is not a program"; exit 1
fi
[[ $(wc -l <"$work/bad.log") -eq 1 ]] || { echo "FAIL: expected one error line:"; cat "$work/bad.log"; exit 1; }
echo "ok"
