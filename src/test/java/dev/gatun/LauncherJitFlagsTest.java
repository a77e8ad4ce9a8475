package dev.gatun;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link ChildJvm#launcherJitFlags()}, which the allocation tests give a child that should compile as the gatun
 * launcher's commands do, is read from the script: it must come out as whole HotSpot flags, the directives file
 * among them and present.
 */
class LauncherJitFlagsTest {
    @Test
    void theLaunchersFlagsAreReadWhole() {
        List<String> flags = ChildJvm.launcherJitFlags();
        assertTrue(flags.size() >= 2, "too few flags read from ./gatun: " + flags);
        for (String flag : flags) {
            assertTrue(flag.startsWith("-X") && !flag.contains("\"") && !flag.contains("$"),
                    "not a whole, resolved HotSpot flag: " + flag + " in " + flags);
        }
        String directives = "-XX:CompilerDirectivesFile=";
        List<String> files = flags.stream().filter(f -> f.startsWith(directives)).toList();
        assertEquals(1, files.size(), "one compiler directives file in " + flags);
        Path file = Path.of(files.getFirst().substring(directives.length()));
        assertTrue(file.isAbsolute() && Files.isRegularFile(file), "the directives file " + file + " does not exist");
    }

    @Test
    void aScriptWithoutTheArrayIsNamed(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path script = Files.writeString(dir.resolve("gatun"), "#!/usr/bin/env bash\nexec java \"$@\"\n");
        IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> ChildJvm.launcherJitFlags(script));
        assertTrue(e.getMessage().contains(script.toString()), e.getMessage());
    }
}
