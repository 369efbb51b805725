#!/usr/bin/env bash
# Installs Jazzer.js 2.1.0 into fuzz/jazzer/node_modules and builds its native addon
# (@jazzer.js/fuzzer's C++ sources, shipped in its npm package) against Debian's stock libFuzzer
# (apt-get install clang libclang-rt-14-dev), instead of its install script, which downloads a
# prebuilt addon or LLVM sources from GitHub. Idempotent: does nothing when the addon is built.
# Without clang or Debian's libFuzzer it only warns, so that `npm test` runs elsewhere (the fuzzing
# test is then skipped), except under CI=true, where it fails: CI never skips the fuzzing.
set -euo pipefail
cd "$(dirname "$0")/jazzer"

addon=node_modules/@jazzer.js/fuzzer/build/Release/jazzerjs.node
libfuzzer=${LIBFUZZER:-$(ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer_no_main-x86_64.a 2>/dev/null | sort -V | tail -1 || true)}
cxx=${CXX:-clang++}

if [ -f "$addon" ] && [ "$addon" -nt stock-libfuzzer.cpp ] && [ "$addon" -nt ../setup-jazzer.sh ] && [ "$addon" -nt package-lock.json ]; then
  exit 0
fi
if [ -z "$libfuzzer" ] || ! command -v "$cxx" >/dev/null; then
  echo "setup-jazzer: needs $cxx and Debian's libFuzzer: apt-get install clang libclang-rt-14-dev; the coverage-guided fuzzing is skipped" >&2
  case "${CI:-}" in true | 1) exit 1 ;; *) exit 0 ;; esac
fi

# Install scripts stay off: @jazzer.js/fuzzer's would fetch its addon from GitHub.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
fi

src=node_modules/@jazzer.js/fuzzer
build=$(mktemp -d)
trap 'rm -rf "$build"' EXIT
cp -r "$src"/*.cpp "$src"/*.h "$src"/shared stock-libfuzzer.cpp "$build"/
# The one change to Jazzer.js's sources: libFuzzer gets the callback wrapped by stock-libfuzzer.cpp.
sed -i -e 's/fuzzer::FuzzerDriver(&argc, &argv, fuzzCallback);/fuzzer::FuzzerDriver(\&argc, \&argv, StockLibFuzzerCallback(fuzzCallback));/' \
  -e 's/^void StartLibFuzzer(/fuzzer::UserCallback StockLibFuzzerCallback(fuzzer::UserCallback);\nvoid StartLibFuzzer(/' "$build/utils.cpp"
grep -q 'StockLibFuzzerCallback(fuzzCallback)' "$build/utils.cpp" || { echo "setup-jazzer: utils.cpp did not patch" >&2; exit 1; }

mkdir -p "$(dirname "$addon")"
"$cxx" -std=c++17 -O2 -fPIC -shared -DNAPI_VERSION=4 -DNAPI_CPP_EXCEPTIONS \
  -Iinclude -I"$build" -Inode_modules/node-addon-api -Inode_modules/node-api-headers/include \
  "$build"/*.cpp "$build"/shared/*.cpp \
  -Wl,--whole-archive "$libfuzzer" -Wl,--no-whole-archive -lpthread \
  -o "$addon.tmp"
mv "$addon.tmp" "$addon"
echo "setup-jazzer: built $addon against $libfuzzer"
