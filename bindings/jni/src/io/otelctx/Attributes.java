// SPDX-License-Identifier: Apache-2.0
package io.otelctx;

import java.lang.ref.Cleaner;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A record's attributes, prepared once, off the hot path: each value is
 * turned into UTF-8 with {@code String.getBytes(UTF_8)}, and the set is
 * encoded once in native memory (otelctx_attrset_new), so publishing passes
 * one address and converts nothing. Immutable; share one instance between
 * threads. The native set is freed once the instance is unreachable.
 *
 * <p>Never JNI's {@code GetStringUTFChars}/{@code GetStringUTFRegion}: they
 * produce modified UTF-8 (a supplementary character such as U+1F600 becomes
 * two 3-byte surrogates), which is not UTF-8, so otelctx leaves the value out
 * and a profiler never sees it.
 */
public final class Attributes {
    /** Bytes of attribute data one record holds (OTELCTX_ATTRS_CAPACITY). */
    public static final int CAPACITY = 612;
    /** Bytes of one value (OTELCTX_VALUE_MAX). */
    public static final int VALUE_MAX = 255;

    /** No attributes (a NULL set). */
    public static final Attributes NONE = new Attributes();

    private static final Cleaner CLEANER = Cleaner.create();

    /** The otelctx_attrset, 0 for none. */
    final long address;

    private Attributes() {
        address = 0;
    }

    private Attributes(byte[] packed) {
        long set = ThreadContext.attrsetNew(packed);
        if (set == 0)
            throw new OutOfMemoryError("otelctx_attrset_new");
        address = set;
        CLEANER.register(this, () -> ThreadContext.attrsetFree(set));
    }

    /** A builder; entries keep the order they were put in. */
    public static Builder builder() {
        return new Builder();
    }

    /** Collects entries and packs them once. */
    public static final class Builder {
        private byte[] packed = new byte[64];
        private int size;

        private Builder() {
        }

        /**
         * Adds an attribute.
         *
         * @param keyIndex a key index from {@link ThreadContext#keyIndex}
         * @param value its value; encoded as UTF-8 (a lone surrogate becomes '?')
         * @throws IllegalArgumentException keyIndex outside 0..255, a value over
         *     255 UTF-8 bytes, or more than 612 bytes in all: a record could not
         *     hold it, and C's otelctx_record_set would leave it out silently
         */
        public Builder put(int keyIndex, String value) {
            if (keyIndex < 0 || keyIndex > 255)
                throw new IllegalArgumentException("key index " + keyIndex + " outside 0..255");
            byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
            if (bytes.length > VALUE_MAX)
                throw new IllegalArgumentException(
                    "value of " + bytes.length + " UTF-8 bytes, at most " + VALUE_MAX);
            int entry = 2 + bytes.length;
            if (size + entry > CAPACITY)
                throw new IllegalArgumentException(
                    "attributes of " + (size + entry) + " bytes, a record holds " + CAPACITY);
            if (size + entry > packed.length)
                packed = Arrays.copyOf(packed, CAPACITY);
            packed[size] = (byte) keyIndex;
            packed[size + 1] = (byte) bytes.length;
            System.arraycopy(bytes, 0, packed, size + 2, bytes.length);
            size += entry;
            return this;
        }

        /**
         * The set, encoded once.
         *
         * @throws OutOfMemoryError the native allocation failed
         */
        public Attributes build() {
            return new Attributes(Arrays.copyOf(packed, size));
        }
    }
}
