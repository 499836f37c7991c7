#include "wallet/passphrase.h"

#include <fcntl.h>
#include <signal.h>
#include <termios.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "wallet/atomic_file.h"

namespace ans::wallet {
namespace {

constexpr size_t kMaxPassphraseBytes = 1024;

// The terminal's settings while echo is off, for the signal handler to put back: a Ctrl-C at
// the prompt must not leave the user's shell without echo. Only the prompting thread sets
// these, and only around the read.
int g_tty_fd = -1;
termios g_tty_saved{};

constexpr int kRestoreSignals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

void restore_and_reraise(int sig) {
  if (g_tty_fd >= 0) ::tcsetattr(g_tty_fd, TCSAFLUSH, &g_tty_saved);
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

Status no_source() {
  return Status(Errc::kFailedPrecondition,
                "no passphrase: no terminal to ask on; give a passphrase file or set ANS_PASSPHRASE");
}

Status too_long() {
  return Status(Errc::kInvalidArgument,
                "passphrase longer than " + std::to_string(kMaxPassphraseBytes) + " bytes");
}

// One line from the terminal, without its end. Echo is off while it is typed.
Result<std::string> read_line_no_echo(int fd, std::string_view prompt) {
  termios saved{};
  if (::tcgetattr(fd, &saved) != 0) return no_source();
  (void)!::write(fd, prompt.data(), prompt.size());

  g_tty_fd = fd;
  g_tty_saved = saved;
  struct sigaction restore {}, old[std::size(kRestoreSignals)];
  restore.sa_handler = restore_and_reraise;
  sigemptyset(&restore.sa_mask);
  for (size_t i = 0; i < std::size(kRestoreSignals); ++i) {
    ::sigaction(kRestoreSignals[i], &restore, &old[i]);
  }
  termios quiet = saved;
  quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
  quiet.c_lflag |= ECHONL;
  ::tcsetattr(fd, TCSAFLUSH, &quiet);

  std::string line;
  Status st;
  for (char c = 0;;) {
    ssize_t n = ::read(fd, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      st = Status(Errc::kIoError, std::string("cannot read the terminal: ") + std::strerror(errno));
      break;
    }
    if (n == 0 || c == '\n') break;
    if (line.size() == kMaxPassphraseBytes) {
      st = too_long();
      break;
    }
    line.push_back(c);
  }

  ::tcsetattr(fd, TCSAFLUSH, &saved);
  for (size_t i = 0; i < std::size(kRestoreSignals); ++i) {
    ::sigaction(kRestoreSignals[i], &old[i], nullptr);
  }
  g_tty_fd = -1;
  if (!st.is_ok()) {
    wipe(line);
    return st;
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

Result<std::string> read_from_terminal(std::string_view prompt, bool confirm) {
  int fd = ::open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) return no_source();
  auto first = read_line_no_echo(fd, prompt);
  if (first && confirm) {
    auto again = read_line_no_echo(fd, "Repeat the passphrase: ");
    if (!again) {
      wipe(first.value());
      first = again.status();
    } else if (*again != *first) {
      wipe(first.value());
      first = Status(Errc::kInvalidArgument, "the two passphrases differ");
    }
    if (again) wipe(again.value());
  }
  ::close(fd);
  return first;
}

Result<std::string> check_not_empty(std::string passphrase, const std::string& source) {
  if (passphrase.empty()) {
    return Status(Errc::kInvalidArgument, "empty passphrase (from " + source + ")");
  }
  if (passphrase.size() > kMaxPassphraseBytes) {
    wipe(passphrase);
    return too_long();
  }
  return passphrase;
}

}  // namespace

void wipe(std::string& secret) {
  OPENSSL_cleanse(secret.data(), secret.size());
  secret.clear();
}

void wipe(std::vector<uint8_t>& secret) {
  OPENSSL_cleanse(secret.data(), secret.size());
  secret.clear();
}

Result<std::string> read_passphrase(const std::string& file, std::string_view prompt, bool confirm) {
  if (!file.empty()) {
    auto text = read_small_file(file, 64 * 1024);
    if (!text) return text.status();
    std::string line = text->substr(0, text->find('\n'));
    wipe(text.value());
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return check_not_empty(std::move(line), "the file " + file);
  }
  if (const char* env = std::getenv("ANS_PASSPHRASE")) {
    return check_not_empty(env, "ANS_PASSPHRASE");
  }
  auto typed = read_from_terminal(prompt, confirm);
  if (!typed) return typed.status();
  return check_not_empty(std::move(typed.value()), "the terminal");
}

}  // namespace ans::wallet
