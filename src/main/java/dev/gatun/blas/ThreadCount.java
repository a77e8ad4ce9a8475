package dev.gatun.blas;

import java.util.function.IntConsumer;
import java.util.function.IntSupplier;

/**
 * How a BLAS library's thread count is read and set: through the library's own calls or, for a library without
 * them, through the environment variable it read when it loaded ({@link EnvironmentThreads#count()}).
 *
 * @param get the thread count the library runs, or 0 when it has no call that says and no environment variable sets it
 * @param set asks the library for this many threads
 * @param describe how the thread count is controlled here, for logs and {@code gatun info}
 * @param settable whether {@code set} changes the count: false where only an environment variable read at load does
 */
record ThreadCount(IntSupplier get, IntConsumer set, String describe, boolean settable) {}
