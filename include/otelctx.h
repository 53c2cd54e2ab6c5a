/* SPDX-License-Identifier: Apache-2.0 */
/*
 * otelctx — publish the calling thread's OpenTelemetry context where
 * out-of-process readers (the OpenTelemetry eBPF profiler, gdb, ptrace tools)
 * can find it, as specified by OTEP 4947 (thread context).
 *
 * What a reader sees
 *   Every thread owns one slot, the ELF TLS variable `otel_thread_ctx_v1`,
 *   exported from libotelctx (or from an executable linking libotelctx.a) as a
 *   GLOBAL, DEFAULT, STT_TLS symbol reached through TLSDESC. The slot holds
 *   NULL or the address of an `otelctx_record`: a 640-byte block whose layout
 *   is fixed by the specification and pinned below.
 *
 * Rules for writers
 *   - A record is written only by the thread it is attached to.
 *   - Every function here keeps the record consistent at every instruction:
 *     a reader interrupting the thread sees NULL, a record with valid != 1,
 *     or a complete record.
 *   - Functions return 0 (or a non-negative count) on success and a negative
 *     errno value on failure; otelctx_strerror() names it. On failure nothing
 *     already published changes.
 *
 * Typical use
 *   static const otelctx_attr attrs[] = {
 *       { .key = 1, .value = "GET", .len = 3 },
 *       { .key = 2, .value = "/api/v1", .len = 7 },
 *   };
 *   otelctx_update(trace_id, span_id, 0x01, attrs, 2);  // span starts
 *   ...
 *   otelctx_detach();                                     // span ends
 */
#ifndef OTELCTX_H
#define OTELCTX_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Marks the exported API; src/otelctx.map decides the final export list. */
#define OTELCTX_API __attribute__((visibility("default")))

#define OTELCTX_RECORD_SIZE     640
#define OTELCTX_ATTRS_CAPACITY  612   /* bytes of attrs_data */
#define OTELCTX_VALUE_MAX       255   /* bytes of one attribute value */

/*
 * The record a thread's slot points to. Layout fixed by OTEP 4947; all fields
 * in host byte order, no padding:
 *   offset  0  trace_id         W3C trace id; all zero = no trace
 *   offset 16  span_id          W3C span id
 *   offset 24  valid            1 = consistent; readers skip any other value
 *   offset 25  trace_flags      W3C trace flags; 0 when there is no trace
 *   offset 26  attrs_data_size  bytes used in attrs_data
 *   offset 28  attrs_data       entries: key index (1 byte), value length
 *                               (1 byte), value bytes (UTF-8)
 * Treat it as opaque: write it only through the functions below.
 */
typedef struct otelctx_record {
    uint8_t  trace_id[16];
    uint8_t  span_id[8];
    uint8_t  valid;
    uint8_t  trace_flags;
    uint16_t attrs_data_size;
    uint8_t  attrs_data[OTELCTX_ATTRS_CAPACITY];
} otelctx_record;

#ifdef __cplusplus
#define OTELCTX_STATIC_ASSERT(cond, msg) static_assert(cond, msg)
#else
#define OTELCTX_STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)
#endif
OTELCTX_STATIC_ASSERT(sizeof(otelctx_record) == OTELCTX_RECORD_SIZE, "record size");
OTELCTX_STATIC_ASSERT(offsetof(otelctx_record, trace_id) == 0, "trace_id offset");
OTELCTX_STATIC_ASSERT(offsetof(otelctx_record, span_id) == 16, "span_id offset");
OTELCTX_STATIC_ASSERT(offsetof(otelctx_record, valid) == 24, "valid offset");
OTELCTX_STATIC_ASSERT(offsetof(otelctx_record, trace_flags) == 25, "trace_flags offset");
OTELCTX_STATIC_ASSERT(offsetof(otelctx_record, attrs_data_size) == 26, "attrs_data_size offset");
OTELCTX_STATIC_ASSERT(offsetof(otelctx_record, attrs_data) == 28, "attrs_data offset");

/* One attribute: a key index into the process's attribute key map and a value. */
typedef struct otelctx_attr {
    uint8_t     key;    /* index into the process's attribute key map */
    const char *value;  /* UTF-8 bytes; need not be NUL-terminated */
    size_t      len;    /* number of bytes in value */
} otelctx_attr;

/* ---- Records ------------------------------------------------------------ */

/*
 * A heap record: ids zero, flags 0, no attributes, valid = 1.
 * Returns NULL when the allocation fails.
 */
OTELCTX_API otelctx_record *otelctx_record_new(void);

/*
 * Frees a record from otelctx_record_new(). NULL is a no-op. Freeing a record
 * that is still attached to a thread is a bug of the caller: detach it first.
 * Never free the thread's own record that otelctx_update() attached.
 */
OTELCTX_API void otelctx_record_free(otelctx_record *record);

/*
 * Initialises caller-owned storage (arenas, per-span memory) like
 * otelctx_record_new(). Safe on the calling thread's attached record.
 * -EINVAL: record is NULL or not aligned for otelctx_record (2 bytes).
 */
OTELCTX_API int otelctx_record_init(otelctx_record *record);

/*
 * Fills a record, using the in-place protocol (valid = 0, fields, size,
 * valid = 1), so it is safe on the calling thread's attached record.
 *
 * trace_id and span_id both NULL, or both all zero, means "no trace": ids
 * are zeroed and trace_flags must be 0 (OTEP 4947: both ids set or neither).
 * Attributes are encoded in order as whole entries; one whose value is
 * longer than OTELCTX_VALUE_MAX, is not valid UTF-8 (a truncated sequence
 * included), or no longer fits in OTELCTX_ATTRS_CAPACITY bytes, is left out,
 * never cut.
 *
 * Returns the number of attributes left out (0 when all fit), or
 * -EINVAL: record NULL or misaligned; exactly one id NULL; exactly one id
 *          all zero; no trace but trace_flags != 0; attrs NULL with
 *          n_attrs > 0; a value NULL with len > 0; n_attrs > INT_MAX.
 * On a negative return the record is byte-for-byte unchanged.
 */
OTELCTX_API int otelctx_record_set(otelctx_record *record,
                                   const uint8_t trace_id[16],
                                   const uint8_t span_id[8],
                                   uint8_t trace_flags,
                                   const otelctx_attr *attrs, size_t n_attrs);

/* ---- The calling thread's slot ------------------------------------------ */

/*
 * Publishes record (NULL detaches) for the calling thread and returns the
 * record attached before (NULL if none), for reuse. The record must stay
 * valid until it is detached or replaced.
 */
OTELCTX_API otelctx_record *otelctx_attach(otelctx_record *record);

/* Same as otelctx_attach(NULL). */
OTELCTX_API otelctx_record *otelctx_detach(void);

/* The calling thread's attached record, or NULL. */
OTELCTX_API otelctx_record *otelctx_current(void);

/*
 * otelctx_record_set() on the attached record, in place. With nothing
 * attached, fills and attaches the thread's own record, allocated on first
 * use and freed when the thread exits. Same return values as
 * otelctx_record_set(), plus -ENOMEM when that allocation fails.
 */
OTELCTX_API int otelctx_update(const uint8_t trace_id[16],
                               const uint8_t span_id[8],
                               uint8_t trace_flags,
                               const otelctx_attr *attrs, size_t n_attrs);

/* ---- Attribute key map and process context (OTEP 4719) ------------------- */

/*
 * Readers name the key indexes of thread records through the process
 * context: a mapping named OTEL_CTX (found in /proc/<pid>/maps) whose 32-byte
 * header points at a protobuf ProcessContext holding the resource attributes,
 * threadlocal.schema_version and threadlocal.attribute_key_map.
 */
typedef struct otelctx_kv {
    const char *key;    /* NUL-terminated */
    const char *value;  /* NUL-terminated string value */
} otelctx_kv;

/*
 * The index (0-255) of attribute key name, registered at the end of the key
 * map the first time. Idempotent, append-only, thread-safe. When the process
 * context is published, a new key is republished before its index is
 * returned. -EINVAL: NULL, empty or longer than 255 bytes; -ENOSPC: 256 keys
 * exist; -ENOMEM.
 */
OTELCTX_API int otelctx_key_index(const char *name);

/*
 * Publishes the process context with these resource attributes (copied) and
 * the key map; called again, replaces it with the update protocol.
 * -EINVAL: resource NULL with n_resource > 0, a NULL key or value, or a
 * duplicate key; -ENOMEM; -ENOTSUP: the mapping could be neither a memfd
 * nor named. On failure the previously published context stays intact.
 * One process context per process; a forked child does not inherit it.
 */
OTELCTX_API int otelctx_process_publish(const otelctx_kv *resource,
                                        size_t n_resource);

/*
 * Removes the mapping. Later key registrations do not publish until
 * otelctx_process_publish() is called again. -ENOENT: nothing is published.
 */
OTELCTX_API int otelctx_process_unpublish(void);

/* ---- Build check --------------------------------------------------------- */

/*
 * Checks, in memory, the ELF object otelctx was linked into (libotelctx.so,
 * or the executable that linked libotelctx.a): otel_thread_ctx_v1 is in its
 * .dynsym as a defined TLS GLOBAL DEFAULT symbol, and every relocation
 * against it is TLSDESC (a shared library needs at least one; in an
 * executable the linker may have relaxed them to initial-exec or removed
 * them). SDKs call it once at start-up to warn
 * users whose build dropped the export.
 * Returns 0, or -ENOEXEC when readers could not use the slot. When why is not
 * NULL it receives a one-line explanation (truncated to why_len bytes).
 */
OTELCTX_API int otelctx_self_check(char *why, size_t why_len);

/* ---- Errors -------------------------------------------------------------- */

/* A static, human-readable name for any value the functions above return. */
OTELCTX_API const char *otelctx_strerror(int err);

#ifdef __cplusplus
}
#endif

#endif /* OTELCTX_H */
