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
 *   - Every function here that writes a record or the slot (record_set,
 *     record_init, attach, detach, detach_if, update, update_span,
 *     attr_push, attr_pop, record_invalidate) is async-signal-safe on a
 *     record that exists, except that the first otelctx_update() of a
 *     thread with nothing attached allocates its own record, and creating
 *     the first record of the process may publish the process context.
 *   - Every function here keeps the record consistent at every instruction:
 *     a reader interrupting the thread sees NULL, a record with valid != 1,
 *     or a complete record.
 *   - A writer (record_set, record_init, update, update_span, attr_push,
 *     attr_pop) called by a signal handler that interrupted a writer of the
 *     same thread returns -EBUSY and changes nothing; record_invalidate is
 *     refused only on aarch64, for a record that is not 8-byte aligned.
 *     attach, detach, detach_if and current are never refused. A handler
 *     that siglongjmps out of a writer leaves that thread's writers
 *     returning -EBUSY for the rest of the thread (docs/api.md).
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
 * Returns NULL when the allocation fails. Like otelctx_record_init() and the
 * thread's own record, the first record of the process publishes the
 * automatic process context (see otelctx_process_publish()).
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
 *          n_attrs > 0; a value NULL with len > 0; n_attrs > INT_MAX;
 * -EBUSY:  called while the thread is inside another writer (a signal
 *          handler that interrupted it).
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

/*
 * Detaches record only if it is the calling thread's current one, and
 * returns it; otherwise returns NULL and the slot is unchanged. For async
 * runtimes: a frame that ends detaches its own record without knowing
 * whether another frame replaced it meanwhile.
 */
OTELCTX_API otelctx_record *otelctx_detach_if(otelctx_record *record);

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

/* ---- Prepared attribute sets --------------------------------------------- */

/*
 * SDKs set the same attribute values over and over (a route, a method, a
 * tenant): a set checks and encodes them once, and the writers below copy
 * its bytes as they are. Since OTELCTX_1.3.
 */
typedef struct otelctx_attrset otelctx_attrset; /* immutable once made; any thread may use it */

/*
 * Checks and encodes attrs once, by exactly otelctx_record_set()'s rules
 * (an attribute it would leave out is left out); n_attrs 0 gives an empty
 * set. NULL with errno EINVAL (attrs NULL with n_attrs > 0, a NULL value
 * with len > 0, n_attrs > INT_MAX) or ENOMEM. *left_out, when not NULL,
 * receives how many were left out. Not async-signal-safe (it allocates).
 */
OTELCTX_API otelctx_attrset *otelctx_attrset_new(const otelctx_attr *attrs, size_t n_attrs,
                                                 int *left_out);

/* Frees a set (NULL: nothing). No record keeps a reference to it. */
OTELCTX_API void otelctx_attrset_free(otelctx_attrset *set);

/*
 * As otelctx_record_set() and otelctx_update() with the set's attributes
 * (set NULL: none): the same header and the same first attrs_data_size
 * bytes as the plain call (bytes past attrs_data_size may differ), the same
 * rules for the ids, the same return values (the set's left-out count on
 * success). Async-signal-safe and guarded like the other writers; the set
 * is only read.
 */
OTELCTX_API int otelctx_record_set_attrset(otelctx_record *record, const uint8_t trace_id[16],
                                           const uint8_t span_id[8], uint8_t trace_flags,
                                           const otelctx_attrset *set);
OTELCTX_API int otelctx_update_attrset(const uint8_t trace_id[16], const uint8_t span_id[8],
                                       uint8_t trace_flags, const otelctx_attrset *set);

/* ---- Partial updates of the attached record ------------------------------ */

/*
 * A child span: the attached record's span id only; trace id, flags and
 * attributes stay. A reader sees the old or the new span id, never a mix.
 * 0; -ENOENT nothing attached; -EINVAL span_id NULL or all zero, or the
 * attached record has no trace; -EBUSY inside another writer of the thread.
 */
OTELCTX_API int otelctx_update_span(const uint8_t span_id[8]);

/*
 * The sampling decision made after the span's context was published: the
 * attached record's trace flags only (one byte store; ids and attributes
 * stay). 0; -ENOENT nothing attached; -EINVAL flags other than 0 on a record
 * without a trace; -EBUSY inside another writer of the thread. Since
 * OTELCTX_1.3.
 */
OTELCTX_API int otelctx_update_flags(uint8_t trace_flags);

/*
 * Appends one attribute to the attached record: the entry is written past
 * attrs_data_size, then the new size is stored (valid untouched).
 * 0 appended; 1 left out (value over 255 bytes, not UTF-8, or no room: the
 * record is unchanged); -ENOENT nothing attached; -EINVAL attr NULL, or a
 * NULL value with len > 0; -EBUSY inside another writer of the thread.
 */
OTELCTX_API int otelctx_attr_push(const otelctx_attr *attr);

/*
 * Removes the last n attributes of the attached record with one store of
 * attrs_data_size. Returns how many were removed (fewer when fewer exist);
 * -ENOENT nothing attached; -EBUSY inside another writer of the thread.
 */
OTELCTX_API int otelctx_attr_pop(size_t n);

/*
 * valid = 0: readers skip the record while it stays attached (an async
 * runtime hides a shared record without detaching it); the next
 * otelctx_record_set() or otelctx_update() on it makes it valid again.
 * 0; -EINVAL record NULL; on aarch64 only, -EBUSY for a record that is
 * not 8-byte aligned, inside another writer of the thread.
 */
OTELCTX_API int otelctx_record_invalidate(otelctx_record *record);

/* ---- Attribute key map and process context (OTEP 4719) ------------------- */

/*
 * Readers name the key indexes of thread records through the process
 * context: a mapping named OTEL_CTX (found in /proc/<pid>/maps as
 * /memfd:OTEL_CTX, possibly "/memfd:OTEL_CTX (deleted)", or
 * [anon:OTEL_CTX] / [anon_shmem:OTEL_CTX]) whose 32-byte header points at a
 * protobuf ProcessContext holding the resource attributes,
 * threadlocal.schema_version and threadlocal.attribute_key_map. Readers look
 * for thread contexts only in a process that publishes the schema version,
 * and there is at most one process context per process (OTEP 4719).
 *
 * Who publishes it:
 *   - otelctx, automatically: the first key looked up (otelctx_key_index)
 *     or record created (otelctx_record_new/_init, the thread's own record)
 *     publishes a context without resource attributes, unless another one
 *     exists in the process;
 *   - otelctx, with your resource: otelctx_process_publish(), which updates
 *     the automatic one in place;
 *   - or your SDK's own publisher: call otelctx_process_external() first,
 *     then put otelctx_schema_version() and otelctx_key_map() into your
 *     payload, and republish from otelctx_key_listener().
 */
typedef struct otelctx_kv {
    const char *key;    /* NUL-terminated UTF-8 */
    const char *value;  /* NUL-terminated UTF-8 string value */
} otelctx_kv;

/*
 * The index (0-255) of attribute key name, registered at the end of the key
 * map the first time. Idempotent, append-only, thread-safe. When otelctx
 * publishes the process context, a new key is republished before its index
 * is returned; the key listener, if any, is called before it is returned.
 * In a forked child the first call (also of an existing key) publishes the
 * child's own process context (see otelctx_process_publish).
 * -EINVAL: NULL, empty, longer than 255 bytes or not UTF-8 (overlong forms,
 * surrogates, above U+10FFFF or a sequence cut short: it would go into a
 * protobuf string field, which strict proto3 decoders reject with the whole
 * payload); nothing is registered or published; -ENOSPC: 256 keys exist;
 * -E2BIG: the payload with this key would exceed 65536 bytes (not
 * registered); -ENOMEM.
 */
OTELCTX_API int otelctx_key_index(const char *name);

/*
 * Publishes the process context with these resource attributes (copied) and
 * the key map; called again (or after the automatic one), updates it in
 * place with the update protocol.
 * -EINVAL: resource NULL with n_resource > 0, a NULL key or value, a key or
 * value that is not UTF-8 (as for otelctx_key_index), or a duplicate key;
 * -EEXIST: another OTEL_CTX mapping exists in the process
 * (another SDK's), external mode, or another copy of otelctx in the process
 * published its resource (see "Several copies" below): nothing changes,
 * keys and records keep working; -E2BIG: the payload would exceed 65536 bytes (readers drop
 * larger ones); -ENOMEM; -ENOTSUP: the mapping could be neither a memfd nor
 * named. On failure the previously published context stays intact.
 * A forked child does not inherit the mapping but keeps the key map and this
 * resource: its first otelctx_key_index (also of an existing key), record
 * created or otelctx_process_publish publishes the child's own context
 * (writers on records it inherited publish nothing). An unpublish or
 * external mode from before the fork stays in force in the child.
 */
OTELCTX_API int otelctx_process_publish(const otelctx_kv *resource,
                                        size_t n_resource);

/*
 * Removes the mapping. Later key registrations do not publish until
 * otelctx_process_publish() is called again. -ENOENT: nothing is published;
 * -EPERM: another copy of otelctx in the process published the resource
 * (nothing changes).
 */
OTELCTX_API int otelctx_process_unpublish(void);

/*
 * This process's context is published by someone else (the SDK's own
 * publisher): otelctx never maps an OTEL_CTX mapping of its own from now on,
 * and unpublishes one it made. Thread-safe; call it before the first key or
 * record, so that no automatic context is published meanwhile. 0, or
 * -EPERM: another copy of otelctx in the process published a resource
 * (nothing changes).
 */
OTELCTX_API int otelctx_process_external(void);

/*
 * "tlsdesc_v1_dev": the value of threadlocal.schema_version that readers
 * require. A static string.
 */
OTELCTX_API const char *otelctx_schema_version(void);

/*
 * The key map so far, for an external publisher's
 * threadlocal.attribute_key_map: sets *names (when not NULL) to an
 * append-only array and returns how many keys are registered; position i
 * names key index i. Entries never change or move and live as long as the
 * process, so *names may be kept and read again with a later count.
 * Thread-safe, lock-free.
 */
OTELCTX_API size_t otelctx_key_map(const char *const **names);

/*
 * Calls on_key(index, name, arg) once for every newly registered key, after
 * it is in otelctx_key_map(), on the registering thread, before
 * otelctx_key_index() returns: an external publisher republishes there.
 * One listener per copy of otelctx in the process: a new one replaces this
 * copy's, NULL removes it; every copy's listener hears of every key. Calls may run
 * concurrently on different threads, and otelctx holds no lock during them
 * (the listener may call any function here). Returns 0, or -ENOSPC: 16
 * copies already have a listener.
 *
 * Several copies: when a process holds several copies of otelctx (two
 * extensions that each embed libotelctx.a, an executable linking it beside
 * libotelctx.so), the first one loaded owns the slot, the key map and the
 * process context, and every other copy joins it when it is loaded: every
 * copy writes the same slot, hands out indexes from the same key map and
 * publishes the same process context, whose resource belongs to the copy
 * that published it. docs/api.md, "Several copies in one process".
 */
OTELCTX_API int otelctx_key_listener(void (*on_key)(uint8_t index, const char *name,
                                                    void *arg),
                                     void *arg);

/* ---- Build check --------------------------------------------------------- */

/*
 * Checks, in memory, the ELF object otelctx was linked into (libotelctx.so,
 * or the executable that linked libotelctx.a): otel_thread_ctx_v1 is in its
 * .dynsym as a defined TLS GLOBAL DEFAULT symbol, and every relocation
 * against it is TLSDESC (a shared library needs at least one; in an
 * executable the linker may have relaxed them to initial-exec or removed
 * them). SDKs call it once at start-up to warn
 * users whose build dropped the export.
 * Then whether another object defines otel_thread_ctx_v1: copies of
 * otelctx that joined this one are fine (why counts them); any other writer,
 * or a copy that could not join, is -EEXIST (why names each object and
 * whether its slot is the one otelctx writes, "interposed", or a distinct
 * one, whose records a reader keeping one slot per process misses).
 * Returns 0, -ENOEXEC when readers could not use the slot, or -EEXIST. When
 * why is not NULL it receives a one-line explanation (truncated to why_len
 * bytes).
 */
OTELCTX_API int otelctx_self_check(char *why, size_t why_len);

/* ---- Errors -------------------------------------------------------------- */

/* A static, human-readable name for any value the functions above return. */
OTELCTX_API const char *otelctx_strerror(int err);

#ifdef __cplusplus
}
#endif

#endif /* OTELCTX_H */
