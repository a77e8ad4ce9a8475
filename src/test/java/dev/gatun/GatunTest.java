package dev.gatun;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

class GatunTest {

    @Test
    void versionIsThePomsVersion() {
        // Surefire passes the pom's version in (pom.xml, systemPropertyVariables): the same source, read another way.
        String expected = System.getProperty("gatun.pom.version");
        assertNotNull(expected, "surefire sets gatun.pom.version");
        assertEquals(expected, Gatun.version());
    }

    @Test
    void theLibraryShipsNoLoggingConfiguration() {
        // A service embedding Gatun configures its own logging; a file of ours on its class path would override it.
        for (String file : new String[] {"simplelogger.properties", "logback.xml", "log4j2.xml", "logging.properties"}) {
            assertNull(Gatun.class.getClassLoader().getResource(file), file + " is on the class path");
        }
    }
}
