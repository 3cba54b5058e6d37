#pragma once
// Runs a function as uid/gid 65534 (in a forked child, when the test runs as
// root) and returns what it returned, so access-denied paths can be tested
// without root's capabilities getting in the way. *skipped is set when the
// child cannot become 65534 or cannot reach `dir`.
#include <sys/types.h>
#include <sys/wait.h>
#include <grp.h>
#include <unistd.h>

#include <functional>
#include <string>

namespace proctree::testing {

inline std::string RunUnprivileged(const std::string& dir, const std::function<std::string()>& run, bool* skipped) {
  *skipped = false;
  if (::geteuid() != 0) return run();
  int p[2];
  if (::pipe(p) != 0) return "pipe failed";
  pid_t child = ::fork();
  if (child == 0) {
    ::close(p[0]);
    std::string out;
    if (::setgroups(0, nullptr) != 0 || ::setgid(65534) != 0 || ::setuid(65534) != 0 ||
        ::access(dir.c_str(), R_OK | X_OK) != 0)
      out = "SKIP";
    else out = run();
    ssize_t w = ::write(p[1], out.data(), out.size());
    ::_exit(w == static_cast<ssize_t>(out.size()) ? 0 : 1);
  }
  ::close(p[1]);
  std::string out;
  char buf[512];
  for (ssize_t n; (n = ::read(p[0], buf, sizeof buf)) > 0;) out.append(buf, static_cast<std::size_t>(n));
  ::close(p[0]);
  int status = 0;
  ::waitpid(child, &status, 0);
  if (out == "SKIP") *skipped = true;
  return out;
}

}  // namespace proctree::testing
