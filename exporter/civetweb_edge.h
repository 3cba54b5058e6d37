/* What exporter/civetweb_edge.c adds to CivetWeb (compiled from Debian's
 * source, cmake/civetweb.cmake) for the HTTP edge: a say over each accepted
 * connection before a worker takes it, and the request's header block as it
 * came off the wire, which CivetWeb's parser rewrites in place. */
#pragma once
#include <stddef.h>
#include <sys/socket.h>

#ifdef __cplusplus
extern "C" {
#endif

struct mg_connection;
struct mg_context;

/* The largest header block proctree_civet_raw_request can hand back
 * (CivetWeb's max_request_size must not exceed it). */
#define PROCTREE_CIVET_RAW_CAPACITY (32 * 1024)

/* Called on CivetWeb's accept thread for every accepted connection, before it
 * is queued for a worker (so before a TLS handshake or any read), with the
 * context's user_data. 0: the connection is closed at once. */
typedef int (*proctree_civet_admit_fn)(void *user_data, int fd, const struct sockaddr *peer, socklen_t peer_len);

/* Process-wide; NULL (the default) admits everything. */
void proctree_civet_set_admit(proctree_civet_admit_fn fn);

/* The accepted socket of a server connection (for the connection_close
 * callback), -1 when it has none. */
int proctree_civet_client_socket(const struct mg_connection *conn);

/* In begin_request, on the worker thread: the current request's line and
 * header block up to and including the blank line, exactly as received
 * (leading blank lines included). 0 when it cannot be had (more than
 * PROCTREE_CIVET_RAW_CAPACITY bytes, or it no longer matches what CivetWeb
 * parsed): the caller should refuse the request. */
int proctree_civet_raw_request(const struct mg_connection *conn, const char **data, size_t *len);

/* The bound address of listening socket i (in mg_get_server_ports order),
 * 0 when there is none. */
int proctree_civet_listener_address(const struct mg_context *ctx, int i, struct sockaddr_storage *out,
                                    socklen_t *out_len);

#ifdef __cplusplus
}
#endif
