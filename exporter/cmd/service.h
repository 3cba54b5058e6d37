#pragma once
// How main runs: in the foreground everywhere (service_posix.cc; systemd and
// containers run it so), or on Windows also as a service (service_windows.cc):
// with --windows.service, main hands itself to the service control manager
// (StartServiceCtrlDispatcher), reports running, and its stop request ends
// the exporter as Ctrl+C does in a console.
namespace proctree {

using MainFn = int (*)(int argc, char** argv);

// Runs run(argc, argv) as this OS runs the exporter, and returns its exit code.
int RunAsService(int argc, char** argv, MainFn run);

}  // namespace proctree
