/* SPDX-License-Identifier: Apache-2.0 */
/* The sampler of a build without BPF (musl: no musl libbpf; aarch64: the
 * program reads x86-64's fsbase; or OTELCTX_SAMPLE=OFF). */
#include <stdio.h>

#include "sample.h"

int sample_run(const struct sample_options *o)
{
    (void)o;
    fprintf(stderr, "otelctx-inspect: this build has no BPF sampler (x86-64 glibc builds only)\n");
    return EXIT_NO_BPF;
}
