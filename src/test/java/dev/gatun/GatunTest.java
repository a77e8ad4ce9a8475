package dev.gatun;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

class GatunTest {

    @Test
    void versionIsThePomsVersion() {
        // Surefire passes the pom's version in (pom.xml, systemPropertyVariables): the same source, read another way.
        String expected = System.getProperty("gatun.pom.version");
        assertNotNull(expected, "surefire sets gatun.pom.version");
        assertEquals(expected, Gatun.version());
    }
}
