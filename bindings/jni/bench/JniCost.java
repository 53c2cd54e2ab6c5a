// SPDX-License-Identifier: Apache-2.0
import io.otelctx.Attributes;
import io.otelctx.ContextRecord;
import io.otelctx.ThreadContext;

import java.util.Arrays;

/**
 * The JNI row of bench/runtimes_cost.sh: the C row's two call pairs
 * (bench/runtime_cost.c) made through io.otelctx. Warm-up runs first, so that
 * C2 has compiled both loops, then the median of several runs, in ns per
 * pair. Prints "JNI UPDATE_DETACH_NS ATTACH_RESTORE_NS".
 *
 * <p>Run in source-file mode: java -Dotelctx.jni.library=LIB -cp otelctx.jar JniCost.java
 */
public final class JniCost {
    private static final int ITERATIONS = 2_000_000;
    private static final int WARM_UP_RUNS = 5;
    private static final int RUNS = 7;
    private static final long TRACE_HIGH = 0x4bf92f3577b34da6L;
    private static final long TRACE_LOW = 0xa3ce929d0e0e4736L;

    private static Attributes attributes;
    private static ContextRecord prepared;
    private static long sink;

    /** update (a new span id each time, 2 attributes), then detach. */
    private static void updateDetach() {
        for (int i = 1; i <= ITERATIONS; i++) {
            sink += ThreadContext.update(TRACE_HIGH, TRACE_LOW, i, 1, attributes);
            ThreadContext.detach();
        }
    }

    /** attach the prepared record, then restore what it replaced. */
    private static void attachRestore() {
        for (int i = 0; i < ITERATIONS; i++)
            ThreadContext.restore(ThreadContext.attach(prepared));
    }

    private static double medianNs(Runnable loop) {
        for (int i = 0; i < WARM_UP_RUNS; i++)
            loop.run();
        double[] runs = new double[RUNS];
        for (int i = 0; i < RUNS; i++) {
            long start = System.nanoTime();
            loop.run();
            runs[i] = (double) (System.nanoTime() - start) / ITERATIONS;
        }
        Arrays.sort(runs);
        return runs[RUNS / 2];
    }

    public static void main(String[] args) {
        int method = ThreadContext.keyIndex("http.method");
        int route = ThreadContext.keyIndex("http.route");
        if (method < 0 || route < 0)
            throw new IllegalStateException(
                "keyIndex: " + ThreadContext.strerror(Math.min(method, route)));
        attributes = Attributes.builder().put(method, "GET").put(route, "/api/v1").build();
        prepared = new ContextRecord();
        int ret = prepared.set(TRACE_HIGH, TRACE_LOW, 0x0102030405060708L, 1, attributes);
        if (ret != 0)
            throw new IllegalStateException("set: " + ThreadContext.strerror(ret));

        double update = medianNs(JniCost::updateDetach);
        double attach = medianNs(JniCost::attachRestore);
        if (sink != 0)
            throw new IllegalStateException("update left out or failed: " + sink);
        System.out.printf("JNI %.1f %.1f%n", update, attach);
        prepared.close();
    }
}
