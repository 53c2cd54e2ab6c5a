/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A pre-fork server (gunicorn, php-fpm, unicorn): the parent registers its
 * keys, publishes its resource and writes its own record, then forks
 * WORKERS workers. Each worker looks its keys up again (they exist), checks
 * it got the parent's indexes, and updates the record it inherited with
 * http.method = "GET-w" and http.route = "/worker/w" (w = 1..WORKERS; the
 * parent is w = 0, route "/master"). Each prints "worker W PID", the parent
 * "parent PID" once all are forked; all wait for stdin to close, and the
 * parent exits 0 when every worker did.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "otelctx.h"

enum { MAX_WORKERS = 16 };

/* One write(2) per line: workers and parent share the pipe. */
static void say(const char *role, int w)
{
    char line[64];
    int n = w < 0 ? snprintf(line, sizeof(line), "%s %d\n", role, (int)getpid())
                  : snprintf(line, sizeof(line), "%s %d %d\n", role, w, (int)getpid());
    CHECK(n > 0 && (size_t)n < sizeof(line));
    CHECK_EQ(write(STDOUT_FILENO, line, (size_t)n), n);
}

static void wait_for_stdin_to_close(void)
{
    char buf[64];
    while (read(STDIN_FILENO, buf, sizeof(buf)) > 0)
        continue;
}

/* The attributes of w, written to the attached (or own) record. */
static void write_record(int w, int method, int route)
{
    char value[2][32];
    const uint8_t trace_id[16] = {0xf0, (uint8_t)(w + 1)};
    const uint8_t span_id[8] = {(uint8_t)(w + 1), 0x5a};
    int method_len = snprintf(value[0], sizeof(value[0]), "GET-%d", w);
    int route_len = w == 0 ? snprintf(value[1], sizeof(value[1]), "/master")
                           : snprintf(value[1], sizeof(value[1]), "/worker/%d", w);
    const otelctx_attr attrs[] = {
        {(uint8_t)method, value[0], (size_t)method_len},
        {(uint8_t)route, value[1], (size_t)route_len},
    };
    CHECK_EQ(otelctx_update(trace_id, span_id, 1, attrs, 2), 0);
}

static void worker(int w, int method, int route, const otelctx_record *inherited)
{
    CHECK_EQ(otelctx_key_index("http.method"), method);
    CHECK_EQ(otelctx_key_index("http.route"), route);
    write_record(w, method, route);
    CHECK(otelctx_current() == inherited); /* updated in place, not a new record */
    say("worker", w);
    wait_for_stdin_to_close();
    _exit(0);
}

int main(int argc, char **argv)
{
    int workers = argc == 2 ? atoi(argv[1]) : 0;
    pid_t pids[MAX_WORKERS];
    const otelctx_kv resource[] = {{"service.name", "prefork"}, {"service.version", "1.2.3"}};

    if (workers < 1 || workers > MAX_WORKERS) {
        fprintf(stderr, "usage: prefork_server WORKERS (1 to %d)\n", MAX_WORKERS);
        return 2;
    }
    int method = otelctx_key_index("http.method");
    int route = otelctx_key_index("http.route");
    CHECK(method >= 0 && route >= 0);
    CHECK_EQ(otelctx_process_publish(resource, 2), 0);
    write_record(0, method, route);
    const otelctx_record *mine = otelctx_current();
    CHECK(mine != NULL);

    for (int w = 1; w <= workers; w++) {
        pids[w - 1] = fork();
        CHECK(pids[w - 1] >= 0);
        if (pids[w - 1] == 0)
            worker(w, method, route, mine);
    }
    say("parent", -1);
    wait_for_stdin_to_close();
    int failed = 0;
    for (int w = 0; w < workers; w++) {
        int status;
        CHECK_EQ(waitpid(pids[w], &status, 0), pids[w]);
        failed += !WIFEXITED(status) || WEXITSTATUS(status) != 0;
    }
    return failed == 0 ? 0 : 1;
}
