// The exporter as a Windows service: `sc create proctree_exporter binPath=
// "C:\\...\\proctree_exporter.exe --windows.service --config.file=..."`.
// --windows.service is taken off the command line here; every other flag
// means what it means in a console.
#include <fcntl.h>
#include <io.h>
#include <windows.h>

#include <cstdio>
#include <cstring>
#include <vector>

#include "exporter/cmd/service.h"
#include "exporter/cmd/stop_signals.h"

namespace proctree {

namespace {

constexpr char kServiceFlag[] = "--windows.service";
char kServiceName[] = "proctree_exporter";  // any name: the SCM runs one service per process here

MainFn g_run = nullptr;
std::vector<char*> g_args;
int g_exit_code = 0;
SERVICE_STATUS_HANDLE g_status = nullptr;

void Report(DWORD state, DWORD exit_code) {
  SERVICE_STATUS s{};
  s.dwServiceType = SERVICE_WIN32_OWN_PROCESS;
  s.dwCurrentState = state;
  s.dwControlsAccepted = state == SERVICE_RUNNING ? SERVICE_ACCEPT_STOP | SERVICE_ACCEPT_SHUTDOWN : 0;
  s.dwWin32ExitCode = exit_code == 0 ? NO_ERROR : ERROR_SERVICE_SPECIFIC_ERROR;
  s.dwServiceSpecificExitCode = exit_code;
  s.dwWaitHint = state == SERVICE_RUNNING || state == SERVICE_STOPPED ? 0 : 10000;
  SetServiceStatus(g_status, &s);
}

DWORD WINAPI OnControl(DWORD control, DWORD, void*, void*) {
  if (control == SERVICE_CONTROL_STOP || control == SERVICE_CONTROL_SHUTDOWN) {
    Report(SERVICE_STOP_PENDING, 0);
    RequestStop(control == SERVICE_CONTROL_STOP ? "SERVICE_CONTROL_STOP" : "SERVICE_CONTROL_SHUTDOWN");
    return NO_ERROR;
  }
  return control == SERVICE_CONTROL_INTERROGATE ? NO_ERROR : ERROR_CALL_NOT_IMPLEMENTED;
}

void WINAPI ServiceMain(DWORD, char**) {
  g_status = RegisterServiceCtrlHandlerExA(kServiceName, OnControl, nullptr);
  if (!g_status) return;
  // Running once main is under way: a config error ends it with its exit code.
  Report(SERVICE_RUNNING, 0);
  g_exit_code = g_run(static_cast<int>(g_args.size()) - 1, g_args.data());
  Report(SERVICE_STOPPED, static_cast<DWORD>(g_exit_code));
}

}  // namespace

int RunAsService(int argc, char** argv, MainFn run) {
  // Bytes as written: the CRT's text mode would turn --once's and the log's
  // "\n" into "\r\n", which Prometheus' text format does not allow.
  _setmode(_fileno(stdout), _O_BINARY);
  _setmode(_fileno(stderr), _O_BINARY);
  // And the log unbuffered, as C says stderr is: msvcrt buffers it when it is a pipe.
  std::setvbuf(stderr, nullptr, _IONBF, 0);
  bool service = false;
  for (int i = 0; i < argc; ++i) {
    if (i > 0 && std::strcmp(argv[i], kServiceFlag) == 0) {
      service = true;
      continue;
    }
    g_args.push_back(argv[i]);
  }
  g_args.push_back(nullptr);
  if (!service) return run(argc, argv);
  g_run = run;
  SERVICE_TABLE_ENTRYA table[] = {{kServiceName, ServiceMain}, {nullptr, nullptr}};
  if (!StartServiceCtrlDispatcherA(table)) {
    std::fprintf(stderr, "proctree_exporter: %s: StartServiceCtrlDispatcher failed (error %lu): not started by the "
                 "service control manager\n", kServiceFlag, GetLastError());
    return 1;
  }
  return g_exit_code;
}

}  // namespace proctree
