/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The native half of bench/node/await_cost.js: the two calls an addon's
 * async_hooks before/after would make, through N-API. attach(i) swaps in
 * prepared record i (0 or 1) and keeps what it replaced; restore() puts that
 * back. No error paths beyond N-API's: this is a measurement, not a binding.
 */
#include <node_api.h>
#include <otelctx.h>

static otelctx_record *records[2];
static otelctx_record *previous;

static napi_value attach(napi_env env, napi_callback_info info)
{
    size_t argc = 1;
    napi_value arg;
    int32_t i = 0;
    if (napi_get_cb_info(env, info, &argc, &arg, NULL, NULL) == napi_ok && argc == 1)
        napi_get_value_int32(env, arg, &i);
    previous = otelctx_attach(records[i & 1]);
    return NULL;
}

static napi_value restore(napi_env env, napi_callback_info info)
{
    (void)env, (void)info;
    otelctx_attach(previous);
    return NULL;
}

NAPI_MODULE_INIT()
{
    static const uint8_t trace_id[16] = {0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6,
                                         0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36};
    for (int i = 0; i < 2; i++) {
        const uint8_t span_id[8] = {1, 2, 3, 4, 5, 6, 7, (uint8_t)(i + 1)};
        records[i] = otelctx_record_new();
        if (records[i] == NULL || otelctx_record_set(records[i], trace_id, span_id, 1, NULL, 0) != 0) {
            napi_throw_error(env, NULL, "otelctx: cannot prepare a record");
            return NULL;
        }
    }
    const napi_property_descriptor methods[] = {
        {"attach", NULL, attach, NULL, NULL, NULL, napi_default, NULL},
        {"restore", NULL, restore, NULL, NULL, NULL, napi_default, NULL},
    };
    napi_define_properties(env, exports, 2, methods);
    return exports;
}
