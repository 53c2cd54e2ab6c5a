/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Writes to the calling thread's attached record: all of it (update), its
 * span id, or its attributes at the end. Each one is a leaf on its hot path.
 */
#include "otelctx.h"
#include "own_record.h"
#include "record_write.h"
#include "tls_slot.h"

/* An 8-byte access the compiler may not assume aligned (nor split: volatile). */
typedef uint64_t __attribute__((aligned(1), may_alias)) unaligned_u64;

/* Nothing attached: fill the thread's own record while it is still
 * unreachable, then publish it whole (swap style). Off the hot path, and
 * with six arguments, all in registers and in otelctx_update's order: a
 * seventh on the stack would give otelctx_update a stack frame on every
 * call. The flags as an int, here and in every cold writer the entry
 * points pass them to: gcc extends a byte argument to 32 bits for the
 * call, and for a uint8_t parameter keeps that copy apart from the one it
 * tests and stores (a register move more, and in otelctx_record_set a
 * stack slot). The guard byte is the one otelctx_tls_writing() finds, as
 * the caller's is. */
__attribute__((noinline, cold))
static int update_own_record(const uint8_t trace_id[16], const uint8_t span_id[8],
                             unsigned int trace_flags, const otelctx_attr *attrs, size_t n_attrs,
                             otelctx_record **slot)
{
    otelctx_record *record = otelctx__own_record();
    unsigned char *writing = otelctx_tls_writing();

    if (record == NULL)
        return -ENOMEM;
    /* The publication comes after the guard is left: a handler in between
     * that updates finds the slot still NULL, writes the same own record
     * whole and publishes it; this store then publishes it again. */
    int ret = otelctx__record_write(record, trace_id, span_id, (uint8_t)trace_flags, attrs,
                                    n_attrs, writing);
    if (ret >= 0)
        slot_store(slot, record);
    return ret;
}

/*
 * Each writer below is a body, X_in(..., slot, writing), inlined into its
 * exported function with the guard byte right after the slot, and into a
 * cold X_far with this copy's guard byte from otelctx_tls_writing(), taken
 * when another object's slot is bound. The entry point makes the slot access
 * itself and hands the slot to X_far (the optimized build's
 * ELF gate checks that no entry point calls a function that makes one).
 */
OTELCTX_INLINE int update_in(const uint8_t trace_id[16], const uint8_t span_id[8],
                             uint8_t trace_flags, const otelctx_attr *attrs, size_t n_attrs,
                             otelctx_record **slot, unsigned char *writing)
{
    /* Loaded before the guard is taken, and that is enough: a handler in
     * between may attach another record, and this call then writes the one
     * it found, whole, as if it had run before the handler. */
    otelctx_record *record = slot_load(slot);

    if (OTELCTX_UNLIKELY(record == NULL))
        return update_own_record(trace_id, span_id, trace_flags, attrs, n_attrs, slot);
    return otelctx__record_write(record, trace_id, span_id, trace_flags, attrs, n_attrs,
                                 writing);
}

__attribute__((noinline, cold))
static int update_far(const uint8_t trace_id[16], const uint8_t span_id[8],
                      unsigned int trace_flags, const otelctx_attr *attrs, size_t n_attrs,
                      otelctx_record **slot)
{
    return update_in(trace_id, span_id, (uint8_t)trace_flags, attrs, n_attrs, slot,
                     otelctx_tls_writing());
}

int otelctx_update(const uint8_t trace_id[16], const uint8_t span_id[8],
                   uint8_t trace_flags,
                   const otelctx_attr *attrs, size_t n_attrs)
{
    otelctx_record **slot = otelctx_tls_slot();

    if (OTELCTX_UNLIKELY(!otelctx_tls_slot_guarded()))
        return update_far(trace_id, span_id, trace_flags, attrs, n_attrs, slot);
    return update_in(trace_id, span_id, trace_flags, attrs, n_attrs, slot,
                     otelctx_tls_writing_after(slot));
}

/* update_own_record with a prepared set, its arguments in
 * otelctx_update_attrset's order too. */
__attribute__((noinline, cold))
static int update_own_record_set(const uint8_t trace_id[16], const uint8_t span_id[8],
                                 unsigned int trace_flags, const otelctx_attrset *set,
                                 otelctx_record **slot)
{
    otelctx_record *record = otelctx__own_record();
    unsigned char *writing = otelctx_tls_writing();

    if (record == NULL)
        return -ENOMEM;
    /* Published after the guard is left, as in update_own_record. */
    int ret = otelctx__record_write_set(record, trace_id, span_id, (uint8_t)trace_flags, set,
                                        writing);
    if (ret >= 0)
        slot_store(slot, record);
    return ret;
}

OTELCTX_INLINE int update_set_in(const uint8_t trace_id[16], const uint8_t span_id[8],
                                 uint8_t trace_flags, const otelctx_attrset *set,
                                 otelctx_record **slot, unsigned char *writing)
{
    /* Loaded before the guard is taken, as in update_in. */
    otelctx_record *record = slot_load(slot);

    if (OTELCTX_UNLIKELY(record == NULL))
        return update_own_record_set(trace_id, span_id, trace_flags, set, slot);
    return otelctx__record_write_set(record, trace_id, span_id, trace_flags, set, writing);
}

__attribute__((noinline, cold))
static int update_set_far(const uint8_t trace_id[16], const uint8_t span_id[8],
                          unsigned int trace_flags, const otelctx_attrset *set,
                          otelctx_record **slot)
{
    return update_set_in(trace_id, span_id, (uint8_t)trace_flags, set, slot,
                         otelctx_tls_writing());
}

int otelctx_update_attrset(const uint8_t trace_id[16], const uint8_t span_id[8],
                           uint8_t trace_flags, const otelctx_attrset *set)
{
    otelctx_record **slot = otelctx_tls_slot();

    if (OTELCTX_UNLIKELY(!otelctx_tls_slot_guarded()))
        return update_set_far(trace_id, span_id, trace_flags, set, slot);
    return update_set_in(trace_id, span_id, trace_flags, set, slot,
                         otelctx_tls_writing_after(slot));
}

/* Whether the record's trace id is set: a first half that is not zero
 * decides it with one test and no register for the OR of the two. */
static inline int record_has_trace(const otelctx_record *record)
{
    if (__builtin_expect(otelctx__load64(record->trace_id) != 0, 1))
        return 1;
    return otelctx__load64(record->trace_id + 8) != 0;
}

/* A partial writer's early return from inside the guard. */
static inline int leave_with(unsigned char *writing, int ret)
{
    writer_leave(writing);
    return ret;
}

/* The span id is the caller's, checked by the entry point (below). */
OTELCTX_INLINE int update_span_in(uint64_t span, otelctx_record **slot, unsigned char *writing)
{
    otelctx_record *record = slot_load(slot);

    if (OTELCTX_UNLIKELY(record == NULL))
        return otelctx__fail(-ENOENT);
    /* The guard comes before the trace id is read: a whole write nested
     * between that read and the store below would otherwise end up with
     * its trace id and this span id. (The slot may be read before it, as in
     * otelctx_update: a handler attaching another record in between only
     * makes this call the earlier one.) */
    if (writer_enter(writing))
        return otelctx__fail(-EBUSY);
    if (OTELCTX_UNLIKELY(!record_has_trace(record)))
        return leave_with(writing, -EINVAL);
    /*
     * Why one 8-byte store is enough: a reader only sees this thread between
     * two of its instructions (stopped by ptrace, or interrupted by a
     * signal), and a store instruction is done or not done at any
     * instruction boundary. On x86-64 that holds at any alignment (records
     * may be only 2-byte aligned): a mov completes or faults without side
     * effects. A compiler may split an unaligned 8-byte memcpy into smaller
     * stores, so the store is one volatile 64-bit access. On aarch64 a
     * misaligned str may be performed piecewise if it faults halfway (a page
     * boundary, copy-on-write after fork): there the span id is aligned only
     * when the record is 8-aligned, so other records take the in-place
     * protocol (valid = 0 around the store), which is safe at any alignment.
     */
#if defined(__x86_64__)
    *(volatile unaligned_u64 *)(void *)record->span_id = span;
#else
    if (((uintptr_t)record->span_id & 7) == 0) {
        *(volatile unaligned_u64 *)(void *)record->span_id = span;
    } else {
        uint8_t valid = record->valid;
        record_begin_write(record);
        otelctx__store64(record->span_id, span);
        atomic_signal_fence(memory_order_seq_cst);
        __atomic_store_n(&record->valid, valid, __ATOMIC_RELAXED);
    }
#endif
    writer_leave(writing);
    return 0;
}

__attribute__((noinline, cold))
static int update_span_far(uint64_t span, otelctx_record **slot)
{
    return update_span_in(span, slot, otelctx_tls_writing());
}

int otelctx_update_span(const uint8_t span_id[8])
{
    /* The caller's span id first, as otelctx_update checks its arguments
     * before the guard (it is not the record's: the guard need not cover
     * reading it), so that a rejected one returns before any frame or TLS
     * access, and the span is not tested inside the guard. */
    if (OTELCTX_UNLIKELY(span_id == NULL))
        return otelctx__fail(-EINVAL);
    uint64_t span = otelctx__load64(span_id);
    if (OTELCTX_UNLIKELY(span == 0))
        return otelctx__fail(-EINVAL);
    otelctx_record **slot = otelctx_tls_slot();

    if (OTELCTX_UNLIKELY(!otelctx_tls_slot_guarded()))
        return update_span_far(span, slot);
    return update_span_in(span, slot, otelctx_tls_writing_after(slot));
}

OTELCTX_INLINE int update_flags_in(uint8_t trace_flags, otelctx_record **slot,
                                   unsigned char *writing)
{
    otelctx_record *record = slot_load(slot);

    if (OTELCTX_UNLIKELY(record == NULL))
        return otelctx__fail(-ENOENT);
    /* Under the guard, for the same reason as the span id: the trace id it
     * checks must be the one the flags land beside. */
    if (writer_enter(writing))
        return otelctx__fail(-EBUSY);
    if (OTELCTX_UNLIKELY(trace_flags != 0 && !record_has_trace(record)))
        return leave_with(writing, -EINVAL);
    /* One byte store: a reader sees the old flags or the new ones. */
    __atomic_store_n(&record->trace_flags, trace_flags, __ATOMIC_RELAXED);
    writer_leave(writing);
    return 0;
}

__attribute__((noinline, cold))
static int update_flags_far(unsigned int trace_flags, otelctx_record **slot)
{
    return update_flags_in((uint8_t)trace_flags, slot, otelctx_tls_writing());
}

int otelctx_update_flags(uint8_t trace_flags)
{
    otelctx_record **slot = otelctx_tls_slot();

    if (OTELCTX_UNLIKELY(!otelctx_tls_slot_guarded()))
        return update_flags_far(trace_flags, slot);
    return update_flags_in(trace_flags, slot, otelctx_tls_writing_after(slot));
}

/* The entry's header and then the size, which makes the entry visible
 * all at once (one 16-bit store, done or not at any instruction boundary);
 * then the guard is left. entry is &record->attrs_data[used]. */
static inline int attr_push_publish(otelctx_record *record, uint8_t *entry, uint8_t key,
                                    size_t len, size_t used, unsigned char *writing)
{
    entry[0] = key;
    entry[1] = (uint8_t)len;
    atomic_signal_fence(memory_order_seq_cst);
    __atomic_store_n(&record->attrs_data_size, (uint16_t)(used + OTELCTX_ENTRY_HEADER + len),
                     __ATOMIC_RELAXED);
    writer_leave(writing);
    return 0;
}

/* A value of more than 16 bytes or not plain ASCII, inside the guard: a
 * tail call, so that the straight line saves no register for it. len is
 * the one the caller checked the room for (attr is read once per field);
 * the length limit is checked here, before anything is stored: a value
 * over it is longer than 16 bytes and always comes here, also one so long
 * that the caller's sum wrapped. */
__attribute__((noinline, cold))
static int attr_push_utf8(otelctx_record *record, const otelctx_attr *attr, size_t len,
                          size_t used, unsigned char *writing)
{
    uint8_t *entry = &record->attrs_data[used];

    if (len > OTELCTX_VALUE_MAX || otelctx__copy_utf8(entry + OTELCTX_ENTRY_HEADER, attr->value, len))
        return leave_with(writing, 1); /* nothing was stored */
    return attr_push_publish(record, entry, attr->key, len, used, writing);
}

OTELCTX_INLINE int attr_push_in(const otelctx_attr *attr, otelctx_record **slot,
                                unsigned char *writing)
{
    otelctx_record *record = slot_load(slot);

    if (OTELCTX_UNLIKELY(record == NULL))
        return otelctx__fail(-ENOENT);
    if (OTELCTX_UNLIKELY(attr == NULL || (attr->value == NULL && attr->len > 0)))
        return otelctx__fail(-EINVAL);
    /* Before the size is read: a write nested between that read and the
     * size store below would have its entries overwritten by this one. */
    if (writer_enter(writing))
        return otelctx__fail(-EBUSY);
    size_t used = record->attrs_data_size, len = attr->len;
    /* The room only; the length limit is attr_push_utf8's. */
    if (OTELCTX_UNLIKELY(used + OTELCTX_ENTRY_HEADER + len > OTELCTX_ATTRS_CAPACITY))
        return leave_with(writing, 1);
    uint8_t *entry = &record->attrs_data[used];
    /* Bytes past attrs_data_size are free to write: readers stop there. */
    if (OTELCTX_UNLIKELY(otelctx__copy_short(entry + OTELCTX_ENTRY_HEADER, attr->value, len)))
        return attr_push_utf8(record, attr, len, used, writing);
    return attr_push_publish(record, entry, attr->key, len, used, writing);
}

__attribute__((noinline, cold))
static int attr_push_far(const otelctx_attr *attr, otelctx_record **slot)
{
    return attr_push_in(attr, slot, otelctx_tls_writing());
}

int otelctx_attr_push(const otelctx_attr *attr)
{
    otelctx_record **slot = otelctx_tls_slot();

    if (OTELCTX_UNLIKELY(!otelctx_tls_slot_guarded()))
        return attr_push_far(attr, slot);
    return attr_push_in(attr, slot, otelctx_tls_writing_after(slot));
}

OTELCTX_INLINE int attr_pop_in(size_t n, otelctx_record **slot,
                                unsigned char *writing)
{
    otelctx_record *record = slot_load(slot);

    if (OTELCTX_UNLIKELY(record == NULL))
        return otelctx__fail(-ENOENT);
    /* Before the entries are walked: a write nested between the walk and
     * the size store below would be cut at an offset computed from the
     * entries it replaced. */
    if (writer_enter(writing))
        return otelctx__fail(-EBUSY);
    /* Entries can only be walked forwards: count them (remembering where
     * the last one starts), then walk to the first one to remove. pop(1),
     * the common call, needs only where the last one starts: a walk of its
     * own, without the count. A last entry that does not fit in the size
     * ends either walk: readers ignore it. */
    size_t size = record->attrs_data_size, count = 0, pos = 0, last = 0, next;
    /* pop(1) on entries that end exactly at the size, as every writer
     * leaves them: walk while the next entry starts before the size,
     * remembering where the current one starts, and no test of whether an
     * entry fits; the walk ends at the size exactly, or past it when the
     * last entry does not fit (a record written by hand), which the general
     * walk below then handles. The length byte read is at most
     * attrs_data[size - 1 + 1], inside attrs_data for every size up to the
     * capacity minus 2. */
    if (n == 1 && size - 1 < OTELCTX_ATTRS_CAPACITY - OTELCTX_ENTRY_HEADER) {
        do {
            last = pos;
            pos += OTELCTX_ENTRY_HEADER + record->attrs_data[pos + 1];
        } while (pos < size);
        if (__builtin_expect(pos == size, 1)) {
            __atomic_store_n(&record->attrs_data_size, (uint16_t)last, __ATOMIC_RELAXED);
            writer_leave(writing);
            return 1;
        }
        pos = last = 0;
    }
    /* A size past the capacity (the record written by hand, or torn by a
     * foreign writer) would walk the entries out of attrs_data: walk the
     * capacity only. */
    if (OTELCTX_UNLIKELY(size > OTELCTX_ATTRS_CAPACITY))
        size = OTELCTX_ATTRS_CAPACITY;
    for (; pos + OTELCTX_ENTRY_HEADER <= size; pos = next, count++) {
        next = pos + OTELCTX_ENTRY_HEADER + record->attrs_data[pos + 1];
        if (next > size)
            break;
        last = pos;
    }
    size_t removed = n < count ? n : count;
    if (removed == 0)
        return leave_with(writing, 0);
    if (removed == 1) {
        pos = last;
    } else {
        size_t keep = count - removed;
        pos = 0;
        while (keep-- > 0)
            pos += OTELCTX_ENTRY_HEADER + record->attrs_data[pos + 1];
    }
    /* One store: the entries past the new size are gone for readers. */
    __atomic_store_n(&record->attrs_data_size, (uint16_t)pos, __ATOMIC_RELAXED);
    writer_leave(writing);
    return (int)removed;
}

__attribute__((noinline, cold))
static int attr_pop_far(size_t n, otelctx_record **slot)
{
    return attr_pop_in(n, slot, otelctx_tls_writing());
}

int otelctx_attr_pop(size_t n)
{
    otelctx_record **slot = otelctx_tls_slot();

    if (OTELCTX_UNLIKELY(!otelctx_tls_slot_guarded()))
        return attr_pop_far(n, slot);
    return attr_pop_in(n, slot, otelctx_tls_writing_after(slot));
}
