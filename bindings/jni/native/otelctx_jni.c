/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The native half of io.otelctx.ThreadContext: each method is one call of
 * the C API on the calling thread. Strings cross as byte arrays of standard
 * UTF-8 made by String.getBytes(UTF_8), never through GetStringUTFChars,
 * whose modified UTF-8 otelctx rejects as not UTF-8. Ids cross as longs and
 * attributes as the address of a set encoded once (otelctx_attrset), so the
 * hot path makes no call into the JVM.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <jni.h>
#include <otelctx.h>

#include "io_otelctx_ThreadContext.h"

/* A key name of at most 255 bytes, as otelctx_key_index takes them. */
#define KEY_NAME_MAX 255
/* Entries of a full record: each at least its two header bytes. */
#define ATTRS_MAX (OTELCTX_ATTRS_CAPACITY / 2)

static otelctx_record *record_of(jlong address)
{
    return (otelctx_record *)(uintptr_t)address;
}

static const otelctx_attrset *attrset_of(jlong address)
{
    return (const otelctx_attrset *)(uintptr_t)address;
}

static void big_endian(uint8_t *out, jlong value)
{
    uint64_t v = (uint64_t)value;
    for (int i = 7; i >= 0; i--) {
        out[i] = (uint8_t)v;
        v >>= 8;
    }
}

/* The ids a reader prints as hex: high long, low long, span long. */
struct ids {
    uint8_t trace[16];
    uint8_t span[8];
};

static struct ids ids_of(jlong trace_high, jlong trace_low, jlong span)
{
    struct ids ids;
    big_endian(ids.trace, trace_high);
    big_endian(ids.trace + 8, trace_low);
    big_endian(ids.span, span);
    return ids;
}

/* Attributes packed by io.otelctx.Attributes.Builder (key, length, value
 * bytes), copied into bytes and pointed at by attrs. */
struct unpacked {
    uint8_t bytes[OTELCTX_ATTRS_CAPACITY];
    otelctx_attr attrs[ATTRS_MAX];
    size_t n;
};

/* 0, or -EINVAL for a packing Attributes never makes. */
static int unpack(JNIEnv *env, jbyteArray packed, struct unpacked *out)
{
    jsize size = (*env)->GetArrayLength(env, packed);
    if (size > OTELCTX_ATTRS_CAPACITY)
        return -EINVAL;
    (*env)->GetByteArrayRegion(env, packed, 0, size, (jbyte *)out->bytes);
    out->n = 0;
    for (jsize at = 0; at < size;) {
        if (size - at < 2 || size - at - 2 < out->bytes[at + 1])
            return -EINVAL;
        out->attrs[out->n++] = (otelctx_attr){out->bytes[at], (const char *)out->bytes + at + 2,
                                              out->bytes[at + 1]};
        at += 2 + out->bytes[at + 1];
    }
    return 0;
}

JNIEXPORT jint JNICALL Java_io_otelctx_ThreadContext_keyIndex0(JNIEnv *env, jclass cls,
                                                               jbyteArray utf8)
{
    (void)cls;
    char name[KEY_NAME_MAX + 1];
    jsize size = (*env)->GetArrayLength(env, utf8);
    if (size > KEY_NAME_MAX)
        return -EINVAL;
    (*env)->GetByteArrayRegion(env, utf8, 0, size, (jbyte *)name);
    if (memchr(name, '\0', (size_t)size) != NULL)
        return -EINVAL; /* C would read a shorter name */
    name[size] = '\0';
    return otelctx_key_index(name);
}

JNIEXPORT jint JNICALL Java_io_otelctx_ThreadContext_update0(JNIEnv *env, jclass cls,
                                                             jlong trace_high, jlong trace_low,
                                                             jlong span, jint flags, jlong attrset)
{
    (void)env, (void)cls;
    if (flags < 0 || flags > UINT8_MAX)
        return -EINVAL;
    struct ids ids = ids_of(trace_high, trace_low, span);
    return otelctx_update_attrset(ids.trace, ids.span, (uint8_t)flags, attrset_of(attrset));
}

/* The set, or 0 when it cannot be allocated (Attributes.Builder's packings
 * always unpack, and hold nothing otelctx_attrset_new refuses). */
JNIEXPORT jlong JNICALL Java_io_otelctx_ThreadContext_attrsetNew(JNIEnv *env, jclass cls,
                                                                 jbyteArray packed)
{
    (void)cls;
    struct unpacked attrs;
    if (unpack(env, packed, &attrs) < 0)
        return 0;
    return (jlong)(uintptr_t)otelctx_attrset_new(attrs.attrs, attrs.n, NULL);
}

JNIEXPORT void JNICALL Java_io_otelctx_ThreadContext_attrsetFree(JNIEnv *env, jclass cls,
                                                                 jlong attrset)
{
    (void)env, (void)cls;
    otelctx_attrset_free((otelctx_attrset *)(uintptr_t)attrset);
}

JNIEXPORT jint JNICALL Java_io_otelctx_ThreadContext_updateFlags(JNIEnv *env, jclass cls,
                                                                 jint flags)
{
    (void)env, (void)cls;
    if (flags < 0 || flags > UINT8_MAX)
        return -EINVAL;
    return otelctx_update_flags((uint8_t)flags);
}

JNIEXPORT void JNICALL Java_io_otelctx_ThreadContext_detach(JNIEnv *env, jclass cls)
{
    (void)env, (void)cls;
    otelctx_detach();
}

JNIEXPORT jlong JNICALL Java_io_otelctx_ThreadContext_attach0(JNIEnv *env, jclass cls,
                                                              jlong record)
{
    (void)env, (void)cls;
    return (jlong)(uintptr_t)otelctx_attach(record_of(record));
}

JNIEXPORT void JNICALL Java_io_otelctx_ThreadContext_restore(JNIEnv *env, jclass cls,
                                                             jlong previous)
{
    (void)env, (void)cls;
    otelctx_attach(record_of(previous));
}

JNIEXPORT jint JNICALL Java_io_otelctx_ThreadContext_nativeThreadId(JNIEnv *env, jclass cls)
{
    (void)env, (void)cls;
    return (jint)gettid();
}

JNIEXPORT jbyteArray JNICALL Java_io_otelctx_ThreadContext_selfCheck0(JNIEnv *env, jclass cls)
{
    (void)cls;
    char why[512];
    if (otelctx_self_check(why, sizeof(why)) == 0)
        return NULL;
    jsize size = (jsize)strlen(why);
    jbyteArray bytes = (*env)->NewByteArray(env, size);
    if (bytes != NULL)
        (*env)->SetByteArrayRegion(env, bytes, 0, size, (const jbyte *)why);
    return bytes;
}

JNIEXPORT jstring JNICALL Java_io_otelctx_ThreadContext_strerror(JNIEnv *env, jclass cls,
                                                                 jint error)
{
    (void)cls;
    /* otelctx_strerror's names are ASCII: modified UTF-8 is the same. */
    return (*env)->NewStringUTF(env, otelctx_strerror(error));
}

JNIEXPORT jlong JNICALL Java_io_otelctx_ThreadContext_recordNew(JNIEnv *env, jclass cls)
{
    (void)env, (void)cls;
    return (jlong)(uintptr_t)otelctx_record_new();
}

JNIEXPORT void JNICALL Java_io_otelctx_ThreadContext_recordFree(JNIEnv *env, jclass cls,
                                                                jlong record)
{
    (void)env, (void)cls;
    otelctx_detach_if(record_of(record)); /* never leave freed memory published */
    otelctx_record_free(record_of(record));
}

JNIEXPORT jint JNICALL Java_io_otelctx_ThreadContext_recordSet(JNIEnv *env, jclass cls,
                                                               jlong record, jlong trace_high,
                                                               jlong trace_low, jlong span,
                                                               jint flags, jlong attrset)
{
    (void)env, (void)cls;
    if (flags < 0 || flags > UINT8_MAX)
        return -EINVAL;
    struct ids ids = ids_of(trace_high, trace_low, span);
    return otelctx_record_set_attrset(record_of(record), ids.trace, ids.span, (uint8_t)flags,
                                      attrset_of(attrset));
}
