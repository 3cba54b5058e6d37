/* CivetWeb, compiled from Debian 12's source package (cmake/civetweb.cmake),
 * with what the HTTP edge needs and its API lacks (civetweb_edge.h). This
 * file includes civetweb.c unchanged; the hooks are macros over three calls
 * it makes, defined before the include:
 *  - accept() in the accept thread: the exporter admits each new connection
 *    or parks it, holding no worker, until it may have one (per-client
 *    connection limit); parked connections are queued with CivetWeb's own
 *    queue (non-blocking) when admitted later;
 *  - recv() and SSL_read() in pull_inner(): the bytes CivetWeb reads into a
 *    connection's request buffer are mirrored, per worker thread, because its
 *    parser rewrites that buffer in place and stops at the 64th header or at
 *    a line it does not understand, silently; the exporter checks the framing
 *    of the header block as received (exporter/http/http_framing.h).
 * Only this file sees CivetWeb's internals. */

/* The feature macros civetweb.c sets for itself, before any system header. */
#if !defined(_GNU_SOURCE)
#define _GNU_SOURCE
#endif
#if !defined(_XOPEN_SOURCE)
#define _XOPEN_SOURCE 600
#endif
#if !defined(_LARGEFILE_SOURCE)
#define _LARGEFILE_SOURCE
#endif
#if !defined(_FILE_OFFSET_BITS)
#define _FILE_OFFSET_BITS 64
#endif

/* Everything that declares accept, recv or SSL_read, before the macros
 * (Windows: Winsock, through civetweb_edge.h; no OpenSSL, so no SSL_read). */
#if !defined(_WIN32)
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>
#endif

#include "exporter/http/civetweb_edge.h"

struct mg_connection;
struct mg_context;
static int proctree_accept(struct mg_context *ctx, int listener, struct sockaddr *peer, socklen_t *len);
static ssize_t proctree_recv(struct mg_connection *conn, int fd, void *buf, size_t len, int flags);
#if !defined(NO_SSL)
static int proctree_ssl_read(struct mg_connection *conn, SSL *ssl, void *buf, int num);
#endif
static int proctree_listen(int fd, int backlog);

/* Each is called at exactly one place in civetweb.c, where ctx or conn is in scope. */
#define accept(listener, peer, len) proctree_accept(ctx, listener, peer, len)
#define recv(fd, buf, len, flags) proctree_recv(conn, fd, buf, len, flags)
#if !defined(NO_SSL)
#define SSL_read(ssl, buf, num) proctree_ssl_read(conn, ssl, buf, num)
#endif
#define listen(fd, backlog) proctree_listen(fd, backlog)

#include "civetweb.c"

#undef accept
#undef recv
#undef SSL_read
#undef listen

static proctree_civet_admit_fn g_admit = NULL;
static proctree_civet_release_fn g_release = NULL;

void
proctree_civet_set_admission(proctree_civet_admit_fn admit, proctree_civet_release_fn release)
{
	__atomic_store_n(&g_release, release, __ATOMIC_RELEASE);
	__atomic_store_n(&g_admit, admit, __ATOMIC_RELEASE);
}

/* Connections accepted but not admitted yet: no worker holds them. */
struct parked {
	struct mg_context *ctx;
	struct socket so;
	struct timespec since;
};
/* Windows: civetweb.c's own pthread_mutex_t has no static initializer. */
#if defined(_WIN32)
static SRWLOCK g_park_mu = SRWLOCK_INIT;
#define park_lock() AcquireSRWLockExclusive(&g_park_mu)
#define park_unlock() ReleaseSRWLockExclusive(&g_park_mu)
#else
static pthread_mutex_t g_park_mu = PTHREAD_MUTEX_INITIALIZER;
#define park_lock() (void)pthread_mutex_lock(&g_park_mu)
#define park_unlock() (void)pthread_mutex_unlock(&g_park_mu)
#endif
static struct parked g_parked[PROCTREE_CIVET_MAX_PARKED];
static int g_num_parked = 0;

/* What accept_new_connection does to a socket it queues. */
static int
prepare_socket(struct mg_context *ctx, int listener, struct socket *so)
{
	unsigned i;
	int on = 1;
	socklen_t len = sizeof(so->lsa);

	for (i = 0; i < ctx->num_listening_sockets; i++) {
		if (ctx->listening_sockets[i].sock == listener) {
			so->is_ssl = ctx->listening_sockets[i].is_ssl;
			so->ssl_redir = ctx->listening_sockets[i].ssl_redir;
			break;
		}
	}
	if ((i == ctx->num_listening_sockets) || (getsockname(so->sock, &so->lsa.sa, &len) != 0)) {
		return 0;
	}
	set_close_on_exec(so->sock, NULL, ctx);
	(void)setsockopt(so->sock, SOL_SOCKET, SO_KEEPALIVE, (SOCK_OPT_TYPE)&on, sizeof(on));
	set_non_blocking_mode(so->sock);
	so->in_use = 0;
	return 1;
}

/* produce_socket without waiting: 0 when the queue is full or ctx stopping. */
static int
try_enqueue(struct mg_context *ctx, const struct socket *so)
{
	int queued = 0;
	(void)pthread_mutex_lock(&ctx->thread_mutex);
	if (STOP_FLAG_IS_ZERO(&ctx->stop_flag) && ((ctx->sq_head - ctx->sq_tail) < ctx->sq_size)) {
		ctx->squeue[ctx->sq_head % ctx->sq_size] = *so;
		ctx->sq_head++;
		(void)pthread_cond_signal(&ctx->sq_full);
		queued = 1;
	}
	(void)pthread_mutex_unlock(&ctx->thread_mutex);
	return queued;
}

/* How long a connection may wait parked: four request timeouts, time for
 * its client's connections to finish or be dropped (at most about twice the
 * request timeout for one still sending its request). */
static double
park_limit_s(const struct mg_context *ctx)
{
	const char *ms = ctx->dd.config[REQUEST_TIMEOUT];
	return 4.0 * (ms ? atof(ms) : 30000.0) / 1000.0;
}

/* With g_park_mu held: removes entry i, keeping arrival order. */
static void
unpark_at(int i)
{
	memmove(&g_parked[i], &g_parked[i + 1], (size_t)(g_num_parked - i - 1) * sizeof(g_parked[0]));
	g_num_parked--;
}

void
proctree_civet_unpark(struct mg_context *ctx)
{
	proctree_civet_admit_fn admit = __atomic_load_n(&g_admit, __ATOMIC_ACQUIRE);
	proctree_civet_release_fn release = __atomic_load_n(&g_release, __ATOMIC_ACQUIRE);
	struct timespec now;
	int i = 0;

	clock_gettime(CLOCK_MONOTONIC, &now);
	park_lock();
	while (i < g_num_parked) {
		struct parked *p = &g_parked[i];
		if (p->ctx != ctx) {
			i++;
		} else if (mg_difftimespec(&now, &p->since) > park_limit_s(ctx)) {
			closesocket(p->so.sock);
			unpark_at(i);
		} else if ((admit == NULL)
		           || admit(ctx->user_data, p->so.sock, &p->so.rsa.sa, sizeof(p->so.rsa))) {
			if (!try_enqueue(ctx, &p->so)) {
				if (admit && release) {
					release(ctx->user_data, p->so.sock);
				}
				break; /* the queue is full: later */
			}
			unpark_at(i);
		} else {
			i++;
		}
	}
	park_unlock();
}

void
proctree_civet_stop(struct mg_context *ctx)
{
	int i = 0;
	mg_stop(ctx);
	park_lock();
	while (i < g_num_parked) {
		if (g_parked[i].ctx == ctx) {
			closesocket(g_parked[i].so.sock);
			unpark_at(i);
		} else {
			i++;
		}
	}
	park_unlock();
}

static void
park(struct mg_context *ctx, int listener, int fd, const struct sockaddr *peer, socklen_t len)
{
	struct parked p;
	memset(&p, 0, sizeof(p));
	p.ctx = ctx;
	p.so.sock = fd;
	memcpy(&p.so.rsa, peer, (len < sizeof(p.so.rsa)) ? len : sizeof(p.so.rsa));
	clock_gettime(CLOCK_MONOTONIC, &p.since);
	if (!prepare_socket(ctx, listener, &p.so)) {
		closesocket(fd);
		return;
	}
	park_lock();
	if (g_num_parked < PROCTREE_CIVET_MAX_PARKED) {
		g_parked[g_num_parked++] = p;
		fd = -1;
	}
	park_unlock();
	if (fd >= 0) {
		closesocket(fd); /* too many waiting already */
	}
}

static int
proctree_accept(struct mg_context *ctx, int listener, struct sockaddr *peer, socklen_t *len)
{
	proctree_civet_admit_fn admit = __atomic_load_n(&g_admit, __ATOMIC_ACQUIRE);
	int fd = accept(listener, peer, len);
	if ((fd < 0) || (admit == NULL)) {
		return fd;
	}
	if (!admit(ctx->user_data, fd, peer, *len)) {
		park(ctx, listener, fd, peer, *len);
		proctree_civet_unpark(ctx); /* also closes the expired */
		errno = EAGAIN;
		return -1;
	}
	return fd;
}

int
proctree_civet_client_socket(const struct mg_connection *conn)
{
	return (conn != NULL) ? (int)conn->client.sock : -1;
}

/* The bytes received into this worker's request buffer, from its start: a
 * worker serves one connection at a time, and CivetWeb keeps in the buffer
 * only a tail of what it read (it drops finished requests from the front). */
struct raw_mirror {
	int valid;
	long len;
	char data[PROCTREE_CIVET_RAW_CAPACITY];
};
static __thread struct raw_mirror t_mirror;

static void
mirror_received(struct mg_connection *conn, const void *dst, long n)
{
	struct raw_mirror *m = &t_mirror;
	const char *at = (const char *)dst;
	long off;

	if ((n <= 0) || (conn->phys_ctx->context_type != CONTEXT_SERVER)
	    || (conn->buf == NULL) || (at < conn->buf)
	    || (at >= conn->buf + conn->buf_size)) {
		return; /* a body read into another buffer, or a client connection */
	}
	off = (long)(at - conn->buf); /* CivetWeb holds `off` earlier bytes */
	if (off == 0) {
		m->valid = 1;
		m->len = 0;
	}
	if (!m->valid || (m->len < off) || (off + n > PROCTREE_CIVET_RAW_CAPACITY)) {
		m->valid = 0;
		return;
	}
	if (m->len > off) {
		memmove(m->data, m->data + (m->len - off), (size_t)off);
	}
	memcpy(m->data + off, at, (size_t)n);
	m->len = off + n;
}

static ssize_t
proctree_recv(struct mg_connection *conn, int fd, void *buf, size_t len, int flags)
{
	ssize_t n = recv(fd, buf, len, flags);
	mirror_received(conn, buf, (long)n);
	return n;
}

#if !defined(NO_SSL)
static int
proctree_ssl_read(struct mg_connection *conn, SSL *ssl, void *buf, int num)
{
	int n = SSL_read(ssl, buf, num);
	mirror_received(conn, buf, (long)n);
	return n;
}
#endif

int
proctree_civet_raw_request(const struct mg_connection *conn, const char **data, size_t *len)
{
	const struct raw_mirror *m = &t_mirror;
	const char *raw;
	long i;

	if ((conn == NULL) || !m->valid || (conn->request_len <= 0)
	    || (conn->data_len > m->len) || (conn->request_len > conn->data_len)) {
		return 0;
	}
	raw = m->data + (m->len - conn->data_len);
	/* CivetWeb's parser only ever writes NULs into the buffer: every other
	 * byte must still be what was received. */
	for (i = 0; i < conn->request_len; i++) {
		if ((conn->buf[i] != '\0') && (conn->buf[i] != raw[i])) {
			return 0;
		}
	}
	*data = raw;
	*len = (size_t)conn->request_len;
	return 1;
}

/* The addresses mg_start2 listens on, recorded on the thread that calls it
 * (set_ports_option runs there), so nothing of the running context is read. */
#define PROCTREE_MAX_LISTENERS 32
static __thread int t_num_bound;
static __thread struct sockaddr_storage t_bound[PROCTREE_MAX_LISTENERS];

static int
proctree_listen(int fd, int backlog)
{
	int rc = listen(fd, backlog);
	socklen_t len = sizeof(t_bound[0]);
	if ((rc == 0) && (t_num_bound < PROCTREE_MAX_LISTENERS)
	    && (getsockname(fd, (struct sockaddr *)&t_bound[t_num_bound], &len) == 0)) {
		t_num_bound++;
	}
	return rc;
}

void
proctree_civet_forget_bound(void)
{
	t_num_bound = 0;
}

int
proctree_civet_bound_address(int i, struct sockaddr_storage *out)
{
	if ((i < 0) || (i >= t_num_bound)) {
		return 0;
	}
	*out = t_bound[i];
	return 1;
}
