package dev.gatun.spark;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ExecutorClassPathTest {
    @Test
    void gatunsFlagsAreAddedToTheUsersExecutorOptionsNotReplacedByThem() {
        assertEquals(ExecutorClassPath.GATUN_FLAGS, ExecutorClassPath.withGatunFlags(""));
        assertEquals("-XX:+UseParallelGC   -Xss4m " + ExecutorClassPath.GATUN_FLAGS, // theirs as given, trimmed
                ExecutorClassPath.withGatunFlags("  -XX:+UseParallelGC   -Xss4m "));
        assertEquals("--add-modules=jdk.incubator.vector -Dx=1 --enable-native-access=ALL-UNNAMED",
                ExecutorClassPath.withGatunFlags("--add-modules=jdk.incubator.vector -Dx=1"));
        String both = "-Dx=1 " + ExecutorClassPath.GATUN_FLAGS;
        assertEquals(both, ExecutorClassPath.withGatunFlags(both));
    }
}
