package dev.gatun;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * native/jdk.sh, which every script sources to find a JDK >= 25 without trusting the default {@code java}: the
 * version read from a JDK's release file, and JAVA_HOME taken when it is new enough. Run in bash over fake JDK
 * folders (a release file and two executables), so no JVM is started.
 */
class LauncherJdkTest {
    @TempDir
    Path dir;

    @Test
    void theFeatureVersionComesFromTheReleaseFile() throws Exception {
        assertEquals("25", major(fakeJdk("a", "JAVA_VERSION=\"25.0.3\"", true)));
        assertEquals("17", major(fakeJdk("b", "IMPLEMENTOR=\"x\"\nJAVA_VERSION=\"17\"\nOS_NAME=\"Linux\"", true)));
        assertEquals("", major(fakeJdk("c", "JAVA_VERSION=\"25.0.3\"", false)), "no javac: not a JDK");
    }

    @Test
    void javaHomeIsTakenWhenItIsNewEnough() throws Exception {
        Path jdk = fakeJdk("newer", "JAVA_VERSION=\"26-ea\"", true);
        assertEquals(jdk.toString(), bash("JAVA_HOME=" + jdk + "; gatun_select_jdk >/dev/null 2>&1; echo \"$JAVA_HOME\""));
    }

    private String major(Path jdk) throws Exception {
        return bash("gatun_jdk_major " + jdk + "; echo \"$GATUN_JDK_MAJOR\"");
    }

    private Path fakeJdk(String name, String release, boolean javac) throws IOException {
        Path home = Files.createDirectories(dir.resolve(name).resolve("bin")).getParent();
        Files.writeString(home.resolve("release"), release + "\n");
        for (String tool : javac ? new String[] {"java", "javac"} : new String[] {"java"}) {
            Path script = Files.writeString(home.resolve("bin").resolve(tool), "#!/bin/sh\nexit 0\n");
            Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        return home;
    }

    private static String bash(String script) throws Exception {
        Path jdkScript = Path.of("native", "jdk.sh").toAbsolutePath();
        Process p = new ProcessBuilder("bash", "-c", "set -euo pipefail; source " + jdkScript + "; " + script)
                .redirectErrorStream(true).start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "bash finished");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertEquals(0, p.exitValue(), out);
        return out;
    }
}
