// SPDX-License-Identifier: Apache-2.0
package io.otelctx;

import java.lang.ref.Reference;
import java.nio.charset.StandardCharsets;

/**
 * The calling thread's OpenTelemetry context, published through otelctx
 * (libotelctx.so) in the TLS slot {@code otel_thread_ctx_v1}, where the eBPF
 * profiler and {@code otelctx-inspect} read it.
 *
 * <p>Every call publishes for the OS thread that makes it: a platform
 * thread has its own slot. Virtual threads (JDK 21+) share their carrier's:
 * a binding must give each virtual thread a {@link ContextRecord}, attach it
 * when the virtual thread is mounted and restore the carrier's on unmount
 * (docs/runtimes.md), and must not call {@link #update} from one (it
 * rewrites the carrier's record, seen by the next virtual thread mounted).
 *
 * <p>The native library is {@code libotelctx_jni.so}: loaded from the path
 * in the system property {@code otelctx.jni.library} when set, else by
 * {@code System.loadLibrary("otelctx_jni")} from {@code java.library.path}.
 *
 * <p>Calls return what the C API returns: 0 (or a count), or a negative
 * errno value, named by {@link #strerror}; they never throw on the hot path.
 */
public final class ThreadContext {
    static {
        String path = System.getProperty("otelctx.jni.library");
        if (path != null)
            System.load(path);
        else
            System.loadLibrary("otelctx_jni");
    }

    private ThreadContext() {
    }

    /**
     * The index of an attribute key (otelctx_key_index), registered in the
     * process's key map the first time; readers show {@code name} for it.
     * Call it at start-up. The name is passed as UTF-8.
     *
     * @return 0..255, or a negative errno (-EINVAL, also for a name holding
     *     U+0000; -ENOSPC, -E2BIG, -ENOMEM)
     */
    public static int keyIndex(String name) {
        return keyIndex0(name.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Publishes a context in place (otelctx_update_attrset): rewrites the record
     * attached to this thread, or fills and attaches the thread's own record
     * when none is. Ids as in {@link ContextRecord#set}.
     *
     * @return 0, the number of attributes left out, or a negative errno
     */
    public static int update(long traceIdHigh, long traceIdLow, long spanId, int traceFlags,
                             Attributes attributes) {
        int ret = update0(traceIdHigh, traceIdLow, spanId, traceFlags, attributes.address);
        Reference.reachabilityFence(attributes); // its native set is read until here
        return ret;
    }

    /**
     * The attached record's trace flags only (otelctx_update_flags): the
     * sampling decision made after the context was published.
     *
     * @return 0; -ENOENT nothing attached; -EINVAL flags on a record without
     *     a trace; -EBUSY
     */
    public static native int updateFlags(int traceFlags);

    /** Publishes no context for this thread (otelctx_detach). */
    public static native void detach();

    /**
     * Publishes a prepared record for this thread (otelctx_attach).
     *
     * @return what was attached before, to hand to {@link #restore} when the
     *     record's scope ends (0 when nothing was)
     */
    public static long attach(ContextRecord record) {
        return attach0(record.checkedAddress());
    }

    /**
     * Puts back what {@link #attach} returned on this thread (otelctx_attach
     * of the previous record). Only a value {@code attach} returned on the
     * same thread, whose record is still open.
     */
    public static native void restore(long previous);

    /** The kernel's id of the calling thread (gettid): the tid readers list. */
    public static native int nativeThreadId();

    /**
     * otelctx_self_check: null when readers can use the slot, else why not.
     * SDKs call it once at start-up and log the answer.
     */
    public static String selfCheck() {
        byte[] why = selfCheck0();
        return why == null ? null : new String(why, StandardCharsets.UTF_8);
    }

    /** The name of a value returned by the calls above (otelctx_strerror). */
    public static native String strerror(int error);

    static native long recordNew();

    static native void recordFree(long record);

    static native int recordSet(long record, long traceIdHigh, long traceIdLow, long spanId,
                                int traceFlags, long attrset);

    static native long attrsetNew(byte[] packed);

    static native void attrsetFree(long attrset);

    private static native int keyIndex0(byte[] utf8);

    private static native int update0(long traceIdHigh, long traceIdLow, long spanId,
                                      int traceFlags, long attrset);

    private static native long attach0(long record);

    private static native byte[] selfCheck0();
}
