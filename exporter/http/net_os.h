#pragma once
// What the HTTP edge asks the OS's network stack directly (CivetWeb does the
// rest): net_posix.cc or net_windows.cc.
namespace proctree {

// Whether an IPv6 socket can be made here (a host may have IPv6 disabled).
bool HostHasIPv6();

}  // namespace proctree
