package dev.gatun;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * native/startup-cache.sh, which runs the launcher's commands from a jar with a JVM start-up cache: when the jar is
 * packed again, when a cache is recorded (once per build and JDK, not again after a failed recording, not while
 * another command records, and not marked done when interrupted), and when the commands get it. Run in bash over a
 * fake JDK whose {@code java} and {@code jar} only write the files the real ones would and log their calls, so no JVM
 * is started; in a checkout whose path holds a space, as a user's may.
 */
class LauncherStartupCacheTest {
    private static final String JAVA = """
            #!/bin/sh
            echo "java $*" >> "$CALLS"
            mode=; conf=; cache=
            for a in "$@"; do
              case "$a" in
                -XX:AOTMode=*) mode="${a#*=}" ;;
                -XX:AOTConfiguration=*) conf="${a#*=}" ;;
                -XX:AOTCache=*) cache="${a#*=}" ;;
              esac
            done
            [ "$mode" = "${FAIL:-}" ] && exit "${FAIL_STATUS:-1}"
            [ "$mode" = record ] && echo recorded > "$conf"
            [ "$mode" = create ] && [ -f "$conf" ] && echo cache > "$cache"
            exit 0
            """;
    private static final String JAR = """
            #!/bin/sh
            echo "jar $*" >> "$CALLS"
            [ -n "${FAIL_JAR:-}" ] && exit 1
            while [ "$1" != --file ]; do shift; done
            echo packed > "$2"
            """;

    @TempDir
    Path dir;
    private Path home;
    private Path jdk;
    private Path launcher;
    private Path calls;

    @BeforeEach
    void fakeCheckoutAndJdk() throws IOException {
        home = dir.resolve("my checkout");
        Files.createDirectories(home.resolve("target/classes/dev/gatun"));
        Files.writeString(home.resolve("target/classes/dev/gatun/A.class"), "class");
        Files.writeString(home.resolve("target/runtime.classpath"), "/m2/a.jar:/m2/b.jar");
        Files.writeString(home.resolve("target/.gatun-built"), "");
        jdk = jdk("jdk-a", "25.0.3+9-LTS");
        launcher = home.resolve("target/launcher");
        calls = dir.resolve("calls.log");
        Files.writeString(calls, "");
    }

    @Test
    void aBuildPacksTheJarAgainAndDropsTheCacheOfTheOldOne() throws Exception {
        run(jdk, "gatun_pack_jar \"$GATUN_HOME/target/.gatun-built\"");
        assertEquals("packed", read(launcher.resolve("gatun.jar")));
        assertEquals(1, count("jar --create"), "packed once");

        Files.writeString(launcher.resolve("startup.aot"), "cache");
        run(jdk, "gatun_pack_jar \"$GATUN_HOME/target/.gatun-built\"");
        assertEquals(1, count("jar --create"), "a jar newer than the build is kept");
        assertTrue(Files.exists(launcher.resolve("startup.aot")), "and so is its cache");

        Files.setLastModifiedTime(home.resolve("target/.gatun-built"),
                FileTime.fromMillis(Files.getLastModifiedTime(launcher.resolve("gatun.jar")).toMillis() + 5_000));
        run(jdk, "gatun_pack_jar \"$GATUN_HOME/target/.gatun-built\"");
        assertEquals(2, count("jar --create"), "a build newer than the jar packs it again");
        assertFalse(Files.exists(launcher.resolve("startup.aot")), "the old jar's cache would not load");
    }

    @Test
    void aCacheIsRecordedOncePerJdkAndGivenToTheCommands() throws Exception {
        run(jdk, "gatun_pack_jar \"$GATUN_HOME/target/.gatun-built\"");
        assertFalse(flags(jdk, "").contains("-XX:AOTCache"), "no cache yet");

        String out = run(jdk, "gatun_record_startup_cache -Xmx128m");
        assertTrue(out.contains("recording the JVM's start-up cache"), out);
        assertEquals("cache", read(launcher.resolve("startup.aot")));
        assertEquals("\"25.0.3+9-LTS\"", read(launcher.resolve("startup.jdk")), "the JDK's build, not its path");
        assertTrue(read(calls).contains("java -Xmx128m -XX:AOTMode=record"), read(calls));
        assertTrue(read(calls).contains("dev.gatun.cli.Main train --epochs 2"), read(calls));
        try (var left = Files.list(launcher)) {
            assertTrue(left.noneMatch(p -> p.getFileName().toString().startsWith("recording.")), "work folder removed");
        }
        String given = flags(jdk, "");
        assertEquals("<-Xlog:disable>\n<-Xlog:all=warning,aot*=off,cds*=off:stderr:uptime,level,tags>\n<-XX:AOTCache="
                + launcher.resolve("startup.aot") + ">", given, "whole words, the path with its space in one");

        run(jdk, "gatun_record_startup_cache -Xmx128m");
        assertEquals(2, count("java "), "recorded once for this JDK: one record and one create call");

        Path other = jdk("jdk-b", "25.0.4+7-LTS");
        assertFalse(flags(other, "").contains("-XX:AOTCache"), "a cache of another JDK does not load");
        run(other, "gatun_record_startup_cache -Xmx128m");
        assertEquals(4, count("java "), "another JDK records its own");
        assertTrue(flags(other, "").contains("-XX:AOTCache"));
    }

    @Test
    void aFailedRecordingIsSaidOnceAndCommandsRunWithoutACache() throws Exception {
        run(jdk, "gatun_pack_jar \"$GATUN_HOME/target/.gatun-built\"");
        String out = run(jdk, "FAIL=create gatun_record_startup_cache -Xmx128m");
        assertTrue(out.contains("no start-up cache (the recording failed; " + launcher.resolve("startup.log")), out);
        assertFalse(Files.exists(launcher.resolve("startup.aot")));
        String given = flags(jdk, "");
        assertFalse(given.contains("AOTCache") || given.contains("aot*=off"), given);
        assertTrue(given.contains("<-Xlog:all=warning:stderr:uptime,level,tags>"), "JVM warnings off stdout: " + given);

        run(jdk, "FAIL=create gatun_record_startup_cache -Xmx128m");
        assertEquals(2, count("java "), "not recorded again until the next build: " + read(calls));
    }

    @Test
    void offMeansNoCacheGivenAndNoneRecorded() throws Exception {
        run(jdk, "gatun_pack_jar \"$GATUN_HOME/target/.gatun-built\"");
        run(jdk, "GATUN_STARTUP_CACHE=off gatun_record_startup_cache -Xmx128m");
        assertEquals(0, count("java "));
        run(jdk, "gatun_record_startup_cache -Xmx128m");
        assertFalse(flags(jdk, "GATUN_STARTUP_CACHE=off").contains("AOTCache"));
        assertTrue(flags(jdk, "").contains("AOTCache"));
    }

    @Test
    void aCommandStoppedWhileRecordingStopsAndTheNextRecordsAgain() throws Exception {
        run(jdk, "gatun_pack_jar \"$GATUN_HOME/target/.gatun-built\"");
        assertEquals("130", run(jdk, "s=0; FAIL=record FAIL_STATUS=130 gatun_record_startup_cache -Xmx128m || s=$?; "
                + "echo \"$s\"").lines().reduce((a, b) -> b).orElseThrow(), "Ctrl-C's status, for the launcher to exit with");
        assertFalse(Files.exists(launcher.resolve("startup.jdk")), "not marked as recorded");
        run(jdk, "gatun_record_startup_cache -Xmx128m");
        assertEquals("cache", read(launcher.resolve("startup.aot")), "the next command records it");
    }

    @Test
    void aCommandStartedWhileAnotherRecordsRunsWithoutTheCache() throws Exception {
        run(jdk, "gatun_pack_jar \"$GATUN_HOME/target/.gatun-built\"");
        run(jdk, "exec 8> \"$GATUN_HOME/target/launcher/.lock\"; flock 8; gatun_record_startup_cache -Xmx128m");
        assertEquals(0, count("java "), "one recording at a time: " + read(calls));
        assertFalse(Files.exists(launcher.resolve("startup.jdk")), "left for the command that holds the lock");
    }

    @Test
    void aJarThatCannotBePackedLeavesTheCommandOnTheClassFolder() throws Exception {
        String out = run(jdk, "FAIL_JAR=1 gatun_pack_jar \"$GATUN_HOME/target/.gatun-built\"; echo \"$GATUN_CLI_JAR\"");
        assertTrue(out.endsWith(home.resolve("target/classes").toString()), out);
        assertTrue(out.contains("could not pack"), out);
        try (var left = Files.list(launcher)) {
            assertTrue(left.noneMatch(p -> p.getFileName().toString().startsWith("gatun.jar")), "no half-written jar");
        }
    }

    @Test
    void optionsOfTheUsersOwnThatTheJvmRefusesBesideTheCacheLeaveItOut() throws Exception {
        run(jdk, "gatun_pack_jar \"$GATUN_HOME/target/.gatun-built\"; gatun_record_startup_cache -Xmx128m");
        for (String opts : new String[] {"-Xshare:off", "-Xmx1g -XX:SharedArchiveFile=/tmp/a.jsa", "-XX:AOTMode=off"}) {
            assertFalse(flags(jdk, "GATUN_JAVA_OPTS='" + opts + "'").contains("AOTCache"), opts);
        }
        assertTrue(flags(jdk, "GATUN_JAVA_OPTS='-Xmx1g -Xlog:gc*'").contains("AOTCache"), "other options keep it");
    }

    @Test
    void askingForHelpTheVersionOrInfoRecordsNothingAndACommandDoes() throws Exception {
        for (String line : new String[] {"", "--help", "-h", "help", "info", "info --json", "train --help", "-V",
                "--version", "eval --model m.gatun -h"}) {
            assertEquals("no", records(line), "'" + line + "'");
        }
        for (String line : new String[] {"train", "train --epochs 2 --out m.gatun", "benchmark --batch 1",
                "predict --model m.gatun -- -h", "eval --help-me"}) {
            assertEquals("yes", records(line), "'" + line + "': after --, -h is an argument, not a request for help");
        }
    }

    @Test
    void helpAndTheVersionAreToldFromCommandsAndInfo() throws Exception {
        for (String line : new String[] {"", "--help", "-h", "help", "train --help", "-V", "--version",
                "eval --model m.gatun -h"}) {
            assertEquals("yes", asksForHelp(line), "'" + line + "'");
        }
        for (String line : new String[] {"info", "info --json", "train", "predict --model m.gatun -- -h",
                "eval --help-me"}) {
            assertEquals("no", asksForHelp(line), "'" + line + "'");
        }
    }

    private String asksForHelp(String commandLine) throws Exception {
        return run(jdk, "if gatun_asks_for_help " + commandLine + "; then echo yes; else echo no; fi");
    }

    private String records(String commandLine) throws Exception {
        return run(jdk, "if gatun_command_records " + commandLine + "; then echo yes; else echo no; fi");
    }

    private String flags(Path java, String env) throws Exception {
        return run(java, env + " gatun_startup_cache_flags; printf '<%s>\\n' \"${GATUN_STARTUP_CACHE_FLAGS[@]}\"");
    }

    private Path jdk(String name, String build) throws IOException {
        Path root = Files.createDirectories(dir.resolve(name).resolve("bin")).getParent();
        Files.writeString(root.resolve("release"), "JAVA_VERSION=\"25\"\nJAVA_RUNTIME_VERSION=\"" + build + "\"\n");
        for (String[] tool : new String[][] {{"java", JAVA}, {"jar", JAR}}) {
            Path script = Files.writeString(root.resolve("bin").resolve(tool[0]), tool[1]);
            Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        return root;
    }

    private long count(String call) throws IOException {
        return read(calls).lines().filter(l -> l.startsWith(call)).count();
    }

    private static String read(Path file) throws IOException {
        return Files.readString(file).strip();
    }

    private String run(Path java, String script) throws Exception {
        Path cacheScript = Path.of("native", "startup-cache.sh").toAbsolutePath();
        ProcessBuilder builder = new ProcessBuilder("bash", "-c",
                "set -euo pipefail; source '" + cacheScript + "'; " + script).redirectErrorStream(true);
        builder.environment().put("GATUN_HOME", home.toString());
        builder.environment().put("JAVA_HOME", java.toString());
        builder.environment().put("CALLS", calls.toString());
        builder.environment().remove("GATUN_STARTUP_CACHE");
        builder.environment().remove("GATUN_JAVA_OPTS");
        Process p = builder.start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "bash finished");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertEquals(0, p.exitValue(), out);
        return out;
    }
}
