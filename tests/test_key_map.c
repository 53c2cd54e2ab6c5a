/* SPDX-License-Identifier: Apache-2.0 */
/*
 * 8 threads register 300 distinct names at once while the context is
 * published: exactly 256 succeed with unique indexes 0-255, the rest get
 * -ENOSPC. Writes the payload and the names by index for
 * process_ctx_decode.sh to compare with protoc's decoding.
 */
#include <errno.h>
#include <pthread.h>

#include "check.h"
#include "otelctx.h"
#include "process_ctx_util.h"

enum { THREADS = 8, NAMES = 300 };

static char names[NAMES][16];
static int results[NAMES];
static pthread_barrier_t start;

static void *register_names(void *arg)
{
    int first = (int)(intptr_t)arg;
    pthread_barrier_wait(&start);
    for (int i = first; i < NAMES; i += THREADS)
        results[i] = otelctx_key_index(names[i]);
    return NULL;
}

int main(int argc, char **argv)
{
    CHECK(argc == 3);
    CHECK_EQ(otelctx_process_publish(NULL, 0), 0);

    pthread_t threads[THREADS];
    for (int i = 0; i < NAMES; i++)
        snprintf(names[i], sizeof(names[i]), "key.%03d", i);
    CHECK_EQ(pthread_barrier_init(&start, NULL, THREADS), 0);
    for (int t = 0; t < THREADS; t++)
        CHECK_EQ(pthread_create(&threads[t], NULL, register_names, (void *)(intptr_t)t), 0);
    for (int t = 0; t < THREADS; t++)
        CHECK_EQ(pthread_join(threads[t], NULL), 0);

    const char *by_index[256] = {0};
    int successes = 0, full = 0;
    for (int i = 0; i < NAMES; i++) {
        if (results[i] == -ENOSPC) {
            full++;
            continue;
        }
        CHECK(results[i] >= 0 && results[i] < 256);
        CHECK(by_index[results[i]] == NULL); /* unique */
        by_index[results[i]] = names[i];
        successes++;
        CHECK_EQ(otelctx_key_index(names[i]), results[i]); /* idempotent */
    }
    CHECK_EQ(successes, 256);
    CHECK_EQ(full, NAMES - 256);
    printf("key map: %d registered, %d -ENOSPC\n", successes, full);

    const struct header *h = find_process_ctx();
    CHECK(h != NULL);
    CHECK_EQ(dump_payload(h, argv[1]), 0);
    FILE *expected = fopen(argv[2], "w");
    CHECK(expected != NULL);
    for (int i = 0; i < 256; i++)
        fprintf(expected, "%s\n", by_index[i]);
    CHECK_EQ(fclose(expected), 0);
    return 0;
}
