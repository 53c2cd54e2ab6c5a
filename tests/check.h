/* SPDX-License-Identifier: Apache-2.0 */
/* Minimal assertions for the test programs: report the location and exit 1. */
#ifndef OTELCTX_TEST_CHECK_H
#define OTELCTX_TEST_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#define CHECK(cond)                                                          \
    do {                                                                     \
        if (!(cond)) {                                                       \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, \
                    #cond);                                                  \
            exit(1);                                                         \
        }                                                                    \
    } while (0)

#define CHECK_EQ(a, b)                                                       \
    do {                                                                     \
        long long check_a_ = (long long)(a), check_b_ = (long long)(b);      \
        if (check_a_ != check_b_) {                                          \
            fprintf(stderr, "%s:%d: %s == %s failed: %lld != %lld\n",        \
                    __FILE__, __LINE__, #a, #b, check_a_, check_b_);         \
            exit(1);                                                         \
        }                                                                    \
    } while (0)

#endif
