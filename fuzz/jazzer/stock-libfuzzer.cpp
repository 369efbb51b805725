// Glue between Jazzer.js 2.1.0's addon and Debian's stock libFuzzer instead of Code Intelligence's
// libFuzzer fork (whose sources the addon's CMake build would download from GitHub):
// - the fork hands the addon its "dump the crashing input" function through
//   __jazzer_set_death_callback; stock libFuzzer has the same function as
//   Fuzzer::StaticDeathCallback, so it is installed here at load time;
// - the fork leaves its loop when the JS target returns RETURN_EXIT (-2: a finding, already
//   printed and written to crash-<sha1> by Jazzer.js's JS side); stock libFuzzer would go on
//   calling the target, so the patched utils.cpp wraps the callback and ends the process with
//   libFuzzer's crash exit code instead;
// - the fork takes the call site of a JS comparison or branch as an argument
//   (__sanitizer_cov_trace_const_cmp8_with_pc, __sanitizer_cov_trace_pc_indir_with_pc), where
//   stock libFuzzer takes its caller's address. The operands still reach the table of recent
//   comparisons that guides mutations; only -use_value_profile=1 sees one site for all JS
//   comparisons, and the indirect-branch site is folded into the callee value.
#include <cstdio>
#include <cstdlib>
#include <unistd.h>

#include <fuzzer/FuzzerDefs.h>

#include "shared/libfuzzer.h"

extern "C" {
void __sanitizer_cov_trace_const_cmp8(uint64_t Arg1, uint64_t Arg2);
void __sanitizer_cov_trace_pc_indir(uintptr_t Callee);

void __sanitizer_cov_trace_const_cmp8_with_pc(uintptr_t, uint64_t Arg1, uint64_t Arg2) {
  __sanitizer_cov_trace_const_cmp8(Arg1, Arg2);
}

void __sanitizer_cov_trace_pc_indir_with_pc(void *Caller, uintptr_t Callee) {
  __sanitizer_cov_trace_pc_indir(Callee ^ (reinterpret_cast<uintptr_t>(Caller) * 0x9E3779B97F4A7C15ull));
}
}

namespace {
fuzzer::UserCallback gTarget = nullptr;

int StopOnExit(const uint8_t *Data, size_t Size) {
  int result = gTarget(Data, Size);
  if (result == libfuzzer::RETURN_EXIT) {
    fflush(stdout);
    fflush(stderr);
    _Exit(libfuzzer::EXIT_ERROR_CODE);
  }
  return result;
}

struct InstallDeathCallback {
  InstallDeathCallback() { libfuzzer::PrintCrashingInput = &fuzzer::Fuzzer::StaticDeathCallback; }
} gInstall;
} // namespace

fuzzer::UserCallback StockLibFuzzerCallback(fuzzer::UserCallback target) {
  gTarget = target;
  return StopOnExit;
}
