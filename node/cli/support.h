// Command-line plumbing shared by `ans` and `ansd`: whole numbers checked against a range,
// user input quoted without its control bytes, usage errors with one exit code, failures as
// text or JSON, and output whose failed write is an error.
#pragma once

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <iostream>
#include <string>
#include <string_view>

#include "ledger/util/status.h"

namespace ans::cli {

// Exit codes: 0 done, 1 the command failed, 2 the command line is wrong.
inline constexpr int kFailureExit = 1;
inline constexpr int kUsageExit = 2;
inline constexpr const char* kExitCodesHelp =
    "Exit status: 0 done, 1 the command failed, 2 a usage error (an unknown command or "
    "option, a missing or malformed value).";

// `text` as it may be shown on a terminal: bytes outside printable ASCII, and the backslash,
// written as \xNN (so "\x1b[2J" cannot clear the screen of whoever reads the error).
inline std::string escape_control(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    const auto b = static_cast<unsigned char>(c);
    if (b >= 0x20 && b < 0x7f && b != '\\') {
      out.push_back(c);
    } else {
      out += "\\x";
      out.push_back(kHex[b >> 4]);
      out.push_back(kHex[b & 15]);
    }
  }
  return out;
}

// A validator for an option that takes a whole number from `min` to `max`, in decimal digits
// only: no sign, no exponent, nothing after the digits. The error says the range in digits.
inline CLI::Validator whole_number(uint64_t min, uint64_t max) {
  const std::string range = "a whole number from " + std::to_string(min) + " to " + std::to_string(max);
  return CLI::Validator(
      [min, max, range](std::string& text) -> std::string {
        uint64_t value = 0;
        const char* end = text.data() + text.size();
        auto [at, ec] = std::from_chars(text.data(), end, value);
        const bool digits = !text.empty() && text.find_first_not_of("0123456789") == std::string::npos;
        if (!digits || ec != std::errc() || at != end || value < min || value > max) {
          return "'" + escape_control(text) + "' is not " + range;
        }
        return std::string();
      },
      "UINT " + std::to_string(min) + ".." + std::to_string(max));
}

// Reports a failed parse and returns the exit code: 0 for --help, kUsageExit otherwise. An
// argument where a command was expected is named, with the commands there are.
inline int usage_error(const CLI::App& app, const CLI::ParseError& e) {
  if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) return app.exit(e);
  const CLI::App* at = &app;
  for (bool deeper = true; deeper;) {
    deeper = false;
    for (const CLI::App* sub : at->get_subcommands()) {
      at = sub;
      deeper = true;
      break;
    }
  }
  std::string message = e.what();
  const std::vector<std::string> rest = at->remaining();
  const auto commands = at->get_subcommands([](const CLI::App*) { return true; });
  if (!rest.empty() && !commands.empty() && !rest.front().starts_with("-")) {
    std::string known;
    for (const CLI::App* sub : commands) known += (known.empty() ? "" : ", ") + sub->get_name();
    message = "unknown command '" + rest.front() + "'" +
              (at == &app ? std::string() : " for '" + at->get_name() + "'") + " (commands: " +
              known + ")";
  }
  std::cerr << app.get_name() << ": " << escape_control(message)
            << "\nRun with --help for more information.\n";
  return kUsageExit;
}

// Reports a failed command and returns kFailureExit: to stderr as "error: WHAT: KIND: MESSAGE"
// (without "WHAT: " when `what` is empty), or with `json` to stdout as
// {"ok":false,"error":KIND,"message":MESSAGE}.
inline int fail(bool json, const std::string& what, const Status& st) {
  if (json) {
    nlohmann::json out = {{"ok", false}, {"error", std::string(errc_name(st.code()))},
                          {"message", st.message()}};
    std::cout << out.dump() << "\n";
  } else {
    std::cerr << "error: " << escape_control(what.empty() ? st.to_string() : what + ": " + st.to_string())
              << "\n";
  }
  return kFailureExit;
}

// Flushes stdout and returns `exit_code`, or kFailureExit if any of the output could not be
// written (a full disk, a closed pipe: SIGPIPE must be ignored for the latter).
inline int finish_output(int exit_code) {
  std::cout.flush();
  if (std::cout.good()) return exit_code;
  std::cerr << "error: cannot write output: " << (errno != 0 ? std::strerror(errno) : "write failed")
            << "\n";
  return kFailureExit;
}

}  // namespace ans::cli
