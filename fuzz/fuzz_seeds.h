// For the targets that seed themselves: with ANS_FUZZ_WRITE_SEEDS=DIR (scripts/fuzz.sh sets
// it, then runs the target with -runs=0), LLVMFuzzerInitialize writes genuine inputs to DIR,
// and the run that follows starts from them.
#pragma once

#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>

// The directory to write seeds to; null on an ordinary run.
inline const char* fuzz_seed_dir() { return std::getenv("ANS_FUZZ_WRITE_SEEDS"); }

// DIR/seed-NAME holding `bytes`.
inline void write_fuzz_seed(const char* dir, const std::string& name, std::string_view bytes) {
  std::ofstream out(std::string(dir) + "/seed-" + name, std::ios::binary);
  out << bytes;
}
