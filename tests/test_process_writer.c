/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Republishes the process context as fast as it can for process_ctx_reader.py,
 * which reads it from another process meanwhile. Version i publishes the
 * resource {"version": "<i>"}. Protocol on stdio: prints "ready", waits for
 * a line, republishes argv[1] times, prints "done", waits for EOF. A short
 * pause after each update lets some reads complete between updates; the
 * rest race with one.
 */
#include <stdlib.h>
#include <time.h>

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

    CHECK_EQ(otelctx_key_index("http.method"), 0);
    publish_version(0);
    printf("ready\n");
    fflush(stdout);
    CHECK(fgets(line, sizeof(line), stdin) != NULL);
    for (long v = 1; v < versions; v++) {
        const struct timespec pause = {0, 20000};
        publish_version(v);
        nanosleep(&pause, NULL);
    }
    printf("done\n");
    fflush(stdout);
    while (fgets(line, sizeof(line), stdin) != NULL)
        ;
    return 0;
}
