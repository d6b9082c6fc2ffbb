/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control socket server (app/ctlsrv.h): every complete line gets the
 * handler's answer, in order, however the bytes arrive; an over-long line is
 * refused without reaching the handler; clients come and go.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "ctl.h"
#include "ctlsrv.h"

struct fx {
	char path[108];
	struct ctlsrv *srv;
	int calls;
	char last[CTL_LINE_MAX];
};

/* Answer "got <line>". */
static void echo(const char *line, FILE *out, void *arg)
{
	struct fx *f = arg;

	f->calls++;
	snprintf(f->last, sizeof(f->last), "%s", line);
	fprintf(out, "got %s\n", line);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	snprintf(f->path, sizeof(f->path), "/tmp/enimap-ctlsrv-test-%ld.sock", (long)getpid());
	f->srv = ctlsrv_create(f->path, echo, f);
	assert_non_null(f->srv);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	ctlsrv_free(f->srv);
	assert_int_equal(access(f->path, F_OK), -1); /* the socket file is gone */
	free(f);
	return 0;
}

static int client(struct fx *f)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	strcpy(sa.sun_path, f->path);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

static void pump(struct fx *f, int rounds)
{
	for (int i = 0; i < rounds; i++)
		assert_int_equal(ctlsrv_poll(f->srv, 10), 0);
}

/* Read what has arrived (after pumping the server). */
static void reply(int fd, char *buf, size_t size)
{
	ssize_t n = recv(fd, buf, size - 1, MSG_DONTWAIT);

	buf[n > 0 ? n : 0] = '\0';
}

static void each_line_answered_in_order(void **state)
{
	struct fx *f = *state;
	char buf[256];
	int fd = client(f);

	assert_int_equal(send(fd, "one\ntwo\n", 8, 0), 8);
	pump(f, 4);
	reply(fd, buf, sizeof(buf));
	assert_string_equal(buf, "got one\ngot two\n");
	assert_int_equal(f->calls, 2);
	close(fd);
}

static void line_split_across_writes_is_one_line(void **state)
{
	struct fx *f = *state;
	char buf[256];
	int fd = client(f);

	assert_int_equal(send(fd, "assign eni-a ", 13, 0), 13);
	pump(f, 3);
	assert_int_equal(f->calls, 0); /* no newline yet: nothing run */
	assert_int_equal(send(fd, "10.0.1.5\n", 9, 0), 9);
	pump(f, 3);
	reply(fd, buf, sizeof(buf));
	assert_string_equal(buf, "got assign eni-a 10.0.1.5\n");
	close(fd);
}

static void overlong_line_refused_without_handler(void **state)
{
	struct fx *f = *state;
	char big[CTL_LINE_MAX * 3], buf[512];
	int fd = client(f);
	size_t sent = 0;

	memset(big, 'x', sizeof(big));
	big[sizeof(big) - 1] = '\n';
	while (sent < sizeof(big)) {
		ssize_t n = send(fd, big + sent, sizeof(big) - sent, MSG_DONTWAIT);

		if (n > 0)
			sent += (size_t)n;
		pump(f, 1);
	}
	pump(f, 4);
	reply(fd, buf, sizeof(buf));
	assert_non_null(strstr(buf, "ERR InvalidParameterValue: line longer than"));
	assert_int_equal(f->calls, 0);
	/* the connection still works for the next line */
	assert_int_equal(send(fd, "ok\n", 3, 0), 3);
	pump(f, 3);
	reply(fd, buf, sizeof(buf));
	assert_string_equal(buf, "got ok\n");
	close(fd);
}

static void clients_come_and_go(void **state)
{
	struct fx *f = *state;
	char buf[64];

	for (int i = 0; i < 20; i++) {
		int fd = client(f);

		assert_int_equal(send(fd, "hi\n", 3, 0), 3);
		pump(f, 3);
		reply(fd, buf, sizeof(buf));
		assert_string_equal(buf, "got hi\n");
		close(fd);
		pump(f, 2);
	}
	assert_int_equal(f->calls, 20);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(each_line_answered_in_order),
	    T(line_split_across_writes_is_one_line),
	    T(overlong_line_refused_without_handler),
	    T(clients_come_and_go),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
