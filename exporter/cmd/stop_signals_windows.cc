// Ctrl+C, Ctrl+Break, closing the console, logoff and shutdown arrive as
// console control events, on a thread the system starts for the handler; the
// service controller's stop arrives through RequestStop (windows_service.cc).
#include <windows.h>

#include <condition_variable>
#include <mutex>

#include "exporter/cmd/stop_signals.h"

namespace proctree {

namespace {

std::mutex g_mu;
std::condition_variable g_cv;
const char* g_stop = nullptr;  // the first stop's name, once there is one

const char* EventName(DWORD type) {
  switch (type) {
    case CTRL_C_EVENT: return "CTRL_C_EVENT";
    case CTRL_BREAK_EVENT: return "CTRL_BREAK_EVENT";
    case CTRL_CLOSE_EVENT: return "CTRL_CLOSE_EVENT";
    case CTRL_LOGOFF_EVENT: return "CTRL_LOGOFF_EVENT";
    default: return "CTRL_SHUTDOWN_EVENT";
  }
}

BOOL WINAPI OnConsoleEvent(DWORD type) {
  RequestStop(EventName(type));
  return TRUE;  // handled: no default ExitProcess, main shuts down
}

}  // namespace

void CaptureStopEvents() { SetConsoleCtrlHandler(OnConsoleEvent, TRUE); }

StopEvent WaitForStopEvent() {
  std::unique_lock<std::mutex> lock(g_mu);
  g_cv.wait(lock, [] { return g_stop != nullptr; });
  return StopEvent{false, g_stop};
}

void RequestStop(const char* name) {
  {
    std::lock_guard<std::mutex> lock(g_mu);
    if (!g_stop) g_stop = name;
  }
  g_cv.notify_all();
}

}  // namespace proctree
