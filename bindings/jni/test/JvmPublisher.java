// SPDX-License-Identifier: Apache-2.0
import io.otelctx.Attributes;
import io.otelctx.ContextRecord;
import io.otelctx.ThreadContext;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * The writer of the runtime_jvm test (jvm_reader.py). Reads what to publish
 * from stdin, one platform thread a line, until "end":
 *
 * <pre>thread NAME MODE TRACE_ID SPAN_ID FLAGS [KEY=VALUE ...]</pre>
 *
 * ids in hex, KEY and VALUE hex-encoded UTF-8 (so that no charset of the
 * JVM's stdin stands between the test and the binding). MODE is how the
 * thread publishes: "update" (ThreadContext.update), "update-flags" (update
 * with flags 0, then updateFlags) or "attach" (a prepared ContextRecord
 * attached, another attached over it and restored). Each thread prints
 * "thread TID NAME" once it published; then "ready"; every thread keeps its
 * context until stdin ends, then detaches and the process exits 0.
 */
public final class JvmPublisher {
    private static final HexFormat HEX = HexFormat.of();

    private static void fail(String message) {
        System.err.println("JvmPublisher: " + message);
        System.exit(1);
    }

    private static void check(int ret, String what) {
        if (ret != 0)
            fail(what + ": " + (ret < 0 ? ThreadContext.strerror(ret) : ret + " left out"));
    }

    private static String utf8(String hex) {
        return new String(HEX.parseHex(hex), StandardCharsets.UTF_8);
    }

    /** One thread's line of stdin. */
    private record Spec(String name, String mode, long traceHigh, long traceLow, long span,
                        int flags, Attributes attributes) {
        static Spec parse(String line) {
            String[] words = line.split(" ");
            if (words.length < 6 || !words[0].equals("thread") || words[3].length() != 32)
                fail("bad line: " + line);
            Attributes.Builder attributes = Attributes.builder();
            for (int i = 6; i < words.length; i++) {
                String[] kv = words[i].split("=", -1);
                int key = ThreadContext.keyIndex(utf8(kv[0]));
                if (key < 0)
                    fail("keyIndex(" + utf8(kv[0]) + "): " + ThreadContext.strerror(key));
                attributes.put(key, utf8(kv[1]));
            }
            return new Spec(words[1], words[2],
                            Long.parseUnsignedLong(words[3].substring(0, 16), 16),
                            Long.parseUnsignedLong(words[3].substring(16), 16),
                            Long.parseUnsignedLong(words[4], 16), Integer.parseInt(words[5]),
                            attributes.build());
        }
    }

    /** Publishes spec on the calling thread; returns what to close at the end. */
    private static List<ContextRecord> publish(Spec s) {
        List<ContextRecord> records = new ArrayList<>();
        switch (s.mode()) {
        case "update" -> check(ThreadContext.update(s.traceHigh(), s.traceLow(), s.span(),
                                                    s.flags(), s.attributes()), "update");
        case "update-flags" -> {
            check(ThreadContext.update(s.traceHigh(), s.traceLow(), s.span(), 0, s.attributes()),
                  "update");
            check(ThreadContext.updateFlags(s.flags()), "updateFlags");
        }
        case "attach" -> {
            ContextRecord outer = new ContextRecord();
            ContextRecord inner = new ContextRecord();
            records.add(outer);
            records.add(inner);
            check(outer.set(s.traceHigh(), s.traceLow(), s.span(), s.flags(), s.attributes()),
                  "set");
            check(inner.set(~s.traceHigh(), ~s.traceLow(), ~s.span(), 0, Attributes.NONE), "set");
            ThreadContext.attach(outer);
            ThreadContext.restore(ThreadContext.attach(inner)); // outer again
        }
        default -> fail("unknown mode " + s.mode());
        }
        return records;
    }

    public static void main(String[] args) throws Exception {
        String why = ThreadContext.selfCheck();
        if (why != null)
            fail("selfCheck: " + why);
        BufferedReader stdin =
            new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        List<Spec> specs = new ArrayList<>();
        for (String line; !(line = stdin.readLine()).equals("end");)
            specs.add(Spec.parse(line));

        CountDownLatch published = new CountDownLatch(specs.size());
        CountDownLatch stop = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (Spec spec : specs) {
            Thread thread = new Thread(() -> {
                List<ContextRecord> records = publish(spec);
                synchronized (System.out) {
                    System.out.println("thread " + ThreadContext.nativeThreadId() + " "
                                       + Thread.currentThread().getName());
                }
                published.countDown();
                try {
                    stop.await();
                } catch (InterruptedException e) {
                    fail("interrupted");
                }
                ThreadContext.detach();
                records.forEach(ContextRecord::close);
            }, spec.name());
            thread.start();
            threads.add(thread);
        }
        published.await();
        System.out.println("ready");
        System.out.flush();
        while (stdin.readLine() != null) {
            // the test closes stdin when it has read the process
        }
        stop.countDown();
        for (Thread thread : threads)
            thread.join();
    }
}
