// The two libFuzzer entry points Jazzer.js's addon uses, declared for Debian's stock libFuzzer
// (libclang-rt-14-dev ships the library but not compiler-rt's headers). See fuzz/README.md.
#pragma once
#include <cstddef>
#include <cstdint>

namespace fuzzer {
typedef int (*UserCallback)(const uint8_t *Data, size_t Size);
int FuzzerDriver(int *argc, char ***argv, UserCallback Callback);
// Stock libFuzzer's death callback: writes the current input to crash-<sha1> and prints the stats.
class Fuzzer {
public:
  static void StaticDeathCallback();
};
} // namespace fuzzer
