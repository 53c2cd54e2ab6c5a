/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A process context published by hand (OTEP 4719's header, any payload
 * bytes, any size field, any payload address): how a hostile process feeds
 * otelctx-inspect what the library itself would never write.
 */
#ifndef OTELCTX_HOSTILE_RAW_CTX_H
#define OTELCTX_HOSTILE_RAW_CTX_H

#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "hostile_target.h"

#ifndef PR_SET_VMA
#define PR_SET_VMA 0x53564d41
#define PR_SET_VMA_ANON_NAME 0
#endif

/* Maps a memfd named OTEL_CTX holding the 32-byte header: signature,
 * version 2, size_field, a CLOCK_BOOTTIME timestamp, payload_at. */
static inline void raw_ctx_publish(uint32_t size_field, uint64_t payload_at)
{
    int fd = memfd_create("OTEL_CTX", MFD_CLOEXEC);
    if (fd < 0 || ftruncate(fd, 4096) != 0)
        hostile_die("memfd_create OTEL_CTX");
    uint8_t *header = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    close(fd);
    if (header == MAP_FAILED)
        hostile_die("mmap OTEL_CTX");
    struct timespec now;
    clock_gettime(CLOCK_BOOTTIME, &now);
    uint32_t version = 2;
    uint64_t published = (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec + 1;
    memcpy(header, "OTEL_CTX", 8);
    memcpy(header + 8, &version, 4);
    memcpy(header + 12, &size_field, 4);
    memcpy(header + 24, &payload_at, 8);
    memcpy(header + 16, &published, 8);
    prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, (unsigned long)header, 4096, "OTEL_CTX");
}

/* The whole of file path, in memory that stays (the payload it names). */
static inline uint8_t *raw_ctx_slurp(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        hostile_die(path);
    static uint8_t buffer[1 << 21];
    *size = fread(buffer, 1, sizeof(buffer), f);
    fclose(f);
    return buffer;
}

#endif
