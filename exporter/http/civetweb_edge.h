/* What exporter/http/civetweb_edge.c adds to CivetWeb (compiled from Debian's
 * source, cmake/civetweb.cmake) for the HTTP edge: a say over each accepted
 * connection before a worker takes it, and the request's header block as it
 * came off the wire, which CivetWeb's parser rewrites in place. */
#pragma once
#include <stddef.h>

#include "exporter/http/socket_headers.h"

#ifdef __cplusplus
extern "C" {
#endif

struct mg_connection;
struct mg_context;

/* The largest header block proctree_civet_raw_request can hand back
 * (CivetWeb's max_request_size must not exceed it). */
#define PROCTREE_CIVET_RAW_CAPACITY (32 * 1024)

/* Called for every accepted connection, before it is queued for a worker (so
 * before a TLS handshake or any read), with the context's user_data: nonzero
 * admits it (counted until `release`), 0 parks it. A parked connection holds
 * no worker; it is offered to `admit` again whenever proctree_civet_unpark
 * runs, in arrival order, and closed once older than four times the
 * context's request_timeout_ms, or at once when PROCTREE_CIVET_MAX_PARKED are parked already.
 * `release` takes back an admission that could not be queued after all. */
typedef int (*proctree_civet_admit_fn)(void *user_data, int fd, const struct sockaddr *peer, socklen_t peer_len);
typedef void (*proctree_civet_release_fn)(void *user_data, int fd);
#define PROCTREE_CIVET_MAX_PARKED 256

/* Process-wide, before the first mg_start2; NULL (the default) admits everything. */
void proctree_civet_set_admission(proctree_civet_admit_fn admit, proctree_civet_release_fn release);

/* Offers the parked connections of `ctx` to the admit hook again (call when
 * one of its connections closes). */
void proctree_civet_unpark(struct mg_context *ctx);

/* mg_stop, then closes the connections still parked for ctx. */
void proctree_civet_stop(struct mg_context *ctx);

/* The accepted socket of a server connection (for the connection_close
 * callback), -1 when it has none. */
int proctree_civet_client_socket(const struct mg_connection *conn);

/* In begin_request, on the worker thread: the current request's line and
 * header block up to and including the blank line, exactly as received
 * (leading blank lines included). 0 when it cannot be had (more than
 * PROCTREE_CIVET_RAW_CAPACITY bytes, or it no longer matches what CivetWeb
 * parsed): the caller should refuse the request. */
int proctree_civet_raw_request(const struct mg_connection *conn, const char **data, size_t *len);

/* The addresses the last mg_start2 on this thread listens on (with the real
 * port for port 0), in order: call proctree_civet_forget_bound before
 * mg_start2, then proctree_civet_bound_address(i, ...) for i = 0, 1, ...
 * until it returns 0. */
void proctree_civet_forget_bound(void);
int proctree_civet_bound_address(int i, struct sockaddr_storage *out);

#ifdef __cplusplus
}
#endif
