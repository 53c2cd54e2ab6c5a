/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A library whose only job is to consume glibc's static TLS surplus when it
 * is dlopened: initial-exec TLS must live in static TLS, so every load takes
 * FILLER_SIZE bytes of it, and the dlopen fails once the surplus is gone.
 */
__attribute__((visibility("default"), tls_model("initial-exec")))
_Thread_local char tls_filler[FILLER_SIZE];

__attribute__((visibility("default"))) char *tls_filler_touch(void)
{
    return tls_filler;
}
