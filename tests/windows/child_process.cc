#include "child_process.h"

#include <thread>
#include <vector>

namespace proctree::testing {

namespace {

void CloseIf(HANDLE* h) {
  if (*h) ::CloseHandle(*h);
  *h = nullptr;
}

}  // namespace

ChildProcess::~ChildProcess() { Stop(); }

std::wstring ChildProcess::BesideSelf(const wchar_t* name) {
  std::vector<wchar_t> self(32768);
  const DWORD n = ::GetModuleFileNameW(nullptr, self.data(), static_cast<DWORD>(self.size()));
  std::wstring path(self.data(), n);
  path.resize(path.find_last_of(L"\\/") + 1);
  return path + name;
}

bool ChildProcess::Start(const std::wstring& exe) {
  SECURITY_ATTRIBUTES sa{sizeof sa, nullptr, TRUE};
  HANDLE child_in = nullptr, child_out = nullptr;
  if (!::CreatePipe(&child_in, &to_child_, &sa, 0)) return false;
  if (!::CreatePipe(&from_child_, &child_out, &sa, 0)) return false;
  // Our ends stay ours: a child holding them would keep its own stdin open.
  ::SetHandleInformation(to_child_, HANDLE_FLAG_INHERIT, 0);
  ::SetHandleInformation(from_child_, HANDLE_FLAG_INHERIT, 0);
  STARTUPINFOW si{};
  si.cb = sizeof si;
  si.dwFlags = STARTF_USESTDHANDLES;
  si.hStdInput = child_in;
  si.hStdOutput = child_out;
  si.hStdError = ::GetStdHandle(STD_ERROR_HANDLE);
  std::wstring cmd = L"\"" + exe + L"\"";
  const BOOL ok = ::CreateProcessW(exe.c_str(), cmd.data(), nullptr, nullptr, TRUE, 0, nullptr, nullptr, &si, &pi_);
  ::CloseHandle(child_in);
  ::CloseHandle(child_out);
  return ok != FALSE;
}

bool ChildProcess::WaitForLine(const std::string& line, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    for (std::size_t nl; (nl = pending_.find('\n')) != std::string::npos;) {
      const std::string got = pending_.substr(0, nl);
      pending_.erase(0, nl + 1);
      if (got == line) return true;
    }
    DWORD avail = 0;
    if (!::PeekNamedPipe(from_child_, nullptr, 0, nullptr, &avail, nullptr)) return false;  // the child is gone
    if (avail == 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));  // polling the pipe, under a deadline
      continue;
    }
    char buf[256];
    DWORD n = 0;
    if (!::ReadFile(from_child_, buf, sizeof buf, &n, nullptr)) return false;
    pending_.append(buf, n);
  }
  return false;
}

bool ChildProcess::Send(char c) {
  DWORD n = 0;
  return ::WriteFile(to_child_, &c, 1, &n, nullptr) && n == 1;
}

void ChildProcess::Stop(std::chrono::milliseconds timeout) {
  CloseIf(&to_child_);
  if (pi_.hProcess) {
    if (::WaitForSingleObject(pi_.hProcess, static_cast<DWORD>(timeout.count())) != WAIT_OBJECT_0)
      ::TerminateProcess(pi_.hProcess, 1);  // only our own child, and only if it hung
    ::WaitForSingleObject(pi_.hProcess, static_cast<DWORD>(timeout.count()));
  }
  CloseIf(&pi_.hProcess);
  CloseIf(&pi_.hThread);
  CloseIf(&from_child_);
}

}  // namespace proctree::testing
