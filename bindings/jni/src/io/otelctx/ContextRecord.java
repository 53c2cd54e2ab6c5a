// SPDX-License-Identifier: Apache-2.0
package io.otelctx;

import java.lang.ref.Reference;

/**
 * A prepared record (otelctx_record_new): filled with {@link #set} off the
 * hot path, published with {@link ThreadContext#attach} (one pointer store).
 * A record is attached to one thread at a time and written only by that
 * thread, or by any thread while it is attached nowhere. Keep a reference
 * while it is attached: {@link #close} frees the native memory.
 */
public final class ContextRecord implements AutoCloseable {
    long address;

    /**
     * A record with no trace and no attributes.
     *
     * @throws OutOfMemoryError the native allocation failed
     */
    public ContextRecord() {
        address = ThreadContext.recordNew();
        if (address == 0)
            throw new OutOfMemoryError("otelctx_record_new");
    }

    /**
     * Fills the record (otelctx_record_set_attrset, in place: safe while it is the
     * calling thread's attached record). The trace id is the 16 bytes
     * {@code traceIdHigh} then {@code traceIdLow}, each big-endian, as in
     * its 32 hex digits; the span id the 8 bytes of {@code spanId}. All ids
     * zero means no trace (flags must then be 0).
     *
     * @return 0, the number of attributes left out, or a negative errno
     *     ({@link ThreadContext#strerror})
     */
    public int set(long traceIdHigh, long traceIdLow, long spanId, int traceFlags,
                   Attributes attributes) {
        int ret = ThreadContext.recordSet(checkedAddress(), traceIdHigh, traceIdLow, spanId,
                                          traceFlags, attributes.address);
        Reference.reachabilityFence(attributes); // its native set is read until here
        return ret;
    }

    /**
     * Frees the native record. If it is the calling thread's attached record,
     * it is detached first; attached to another thread, it must be detached
     * there before (that thread would publish freed memory). Idempotent.
     */
    @Override
    public void close() {
        if (address != 0) {
            ThreadContext.recordFree(address);
            address = 0;
        }
    }

    long checkedAddress() {
        if (address == 0)
            throw new IllegalStateException("record closed");
        return address;
    }
}
