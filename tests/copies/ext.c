/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A native extension that embeds otelctx: linked with the whole of
 * libotelctx.a, as a Python or Ruby extension built against the archive
 * is. Its copy's entry points are its own exports; the host reaches them
 * with dlsym on the extension's handle.
 */
const char *ext_name(void);

const char *ext_name(void)
{
    return EXT_NAME;
}
