#include <pthread.h>
#include <signal.h>

#include "exporter/cmd/stop_signals.h"

namespace proctree {

namespace {
sigset_t g_wait_for;
}  // namespace

// Blocks the signals main waits for, in this thread and so in every thread
// started after (CivetWeb's, the scrape thread).
void CaptureStopEvents() {
  sigemptyset(&g_wait_for);
  sigaddset(&g_wait_for, SIGINT);
  sigaddset(&g_wait_for, SIGTERM);
  sigaddset(&g_wait_for, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &g_wait_for, nullptr);
  signal(SIGPIPE, SIG_IGN);
}

StopEvent WaitForStopEvent() {
  int sig = 0;
  sigwait(&g_wait_for, &sig);
  if (sig == SIGHUP) return StopEvent{true, "SIGHUP"};
  return StopEvent{false, sig == SIGINT ? "SIGINT" : "SIGTERM"};
}

void RequestStop(const char*) { raise(SIGTERM); }

}  // namespace proctree
