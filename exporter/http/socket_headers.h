/* The BSD socket API's declarations (sockaddr, socklen_t, inet_pton/ntop):
 * POSIX's headers, or Winsock's on Windows. Included from C and C++. */
#pragma once
#if defined(_WIN32)
#include <winsock2.h>
#include <ws2tcpip.h>
#else
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/types.h>
#endif
