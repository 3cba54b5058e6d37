#pragma once
// Starts tests/windows/touch_memory_child.exe (built next to the test) with
// pipes on its stdin and stdout; closing stdin ends it.
#include <windows.h>

#include <chrono>
#include <string>

namespace proctree::testing {

class ChildProcess {
 public:
  ChildProcess() = default;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess();

  // The child's path: the directory of the running test program + name.
  static std::wstring BesideSelf(const wchar_t* name);

  bool Start(const std::wstring& exe);
  // Reads lines until one equals `line`, or the deadline passes.
  bool WaitForLine(const std::string& line, std::chrono::milliseconds timeout);
  bool Send(char c);
  // Closes its stdin and waits for it to exit (terminates it after the timeout).
  void Stop(std::chrono::milliseconds timeout = std::chrono::milliseconds(10000));

  DWORD pid() const { return pi_.dwProcessId; }

 private:
  PROCESS_INFORMATION pi_{};
  HANDLE to_child_ = nullptr;
  HANDLE from_child_ = nullptr;
  std::string pending_;
};

}  // namespace proctree::testing
