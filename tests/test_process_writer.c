/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Republishes the process context as fast as it can for process_ctx_reader.py,
 * which reads it from another process meanwhile. Version i publishes the
 * resource {"version": "<i>"}. Protocol on stdio: prints "ready", waits for
 * a line ("go"), republishes until it has published at least argv[1]
 * versions and a second line ("stop") has arrived, prints "done LAST",
 * waits for EOF. The reader says when it has read enough, so a reader that
 * gets little CPU makes the test longer, not weaker. A short pause after
 * each update lets some reads complete between updates; the rest race
 * with one.
 */
#include <poll.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "otelctx.h"

static void publish_version(long version)
{
    char value[24];
    snprintf(value, sizeof(value), "%ld", version);
    const otelctx_kv resource[] = {{"version", value}};
    CHECK_EQ(otelctx_process_publish(resource, 1), 0);
}

int main(int argc, char **argv)
{
    CHECK(argc == 2);
    long versions = strtol(argv[1], NULL, 10);
    char line[16];

    /* Unbuffered: "stop" must stay in the pipe for ppoll to see, not in stdio. */
    setvbuf(stdin, NULL, _IONBF, 0);
    CHECK_EQ(otelctx_key_index("http.method"), 0);
    publish_version(0);
    printf("ready\n");
    fflush(stdout);
    CHECK(fgets(line, sizeof(line), stdin) != NULL);
    long v = 0;
    int stop = 0;
    while (v < versions || !stop) {
        struct pollfd in = {.fd = STDIN_FILENO, .events = POLLIN};
        const struct timespec pause = {0, 20000};
        publish_version(++v);
        /* The pause, and a look for the reader's "stop". */
        if (ppoll(&in, 1, &pause, NULL) > 0) {
            CHECK(read(STDIN_FILENO, line, sizeof(line)) > 0);
            stop = 1;
        }
    }
    printf("done %ld\n", v);
    fflush(stdout);
    while (fgets(line, sizeof(line), stdin) != NULL)
        ;
    return 0;
}
