#pragma once
// How the exporter is told to stop or to reload, per OS: POSIX signals
// (stop_signals_posix.cc: SIGINT, SIGTERM, SIGHUP), or Windows' console
// control events and the service controller's stop (stop_signals_windows.cc;
// Windows has no SIGHUP: reload with POST /-/reload).
namespace proctree {

struct StopEvent {
  bool reload = false;   // reload the config and go on; else stop
  const char* name = "";  // for the log: "SIGTERM", "CTRL_C_EVENT", ...
};

// Takes the stop and reload events over from their default actions. Call it
// before starting threads (POSIX: they inherit the signal mask it sets).
void CaptureStopEvents();

// Blocks until the next event.
StopEvent WaitForStopEvent();

// Makes WaitForStopEvent return a stop named `name` (the Windows service's
// stop; on POSIX it raises SIGTERM).
void RequestStop(const char* name);

}  // namespace proctree
