package dev.gatun;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@link ChildJvm#LAUNCHER_JIT_FLAGS}, which the allocation tests give a child that should compile as the gatun
 * launcher's commands do, is the launcher's own GATUN_JIT_FLAGS: read from the script, its directives path resolved.
 */
class LauncherJitFlagsTest {
    private static final Pattern ARRAY = Pattern.compile("(?s)\\nGATUN_JIT_FLAGS=\\((.*?)\\)\\n");
    private static final Pattern WORD = Pattern.compile("\"([^\"]*)\"|(\\S+)");

    @Test
    void theTestsCopyIsTheLaunchersFlags() throws IOException {
        String script = Files.readString(Path.of("gatun"));
        Matcher array = ARRAY.matcher(script);
        assertEquals(true, array.find(), "no GATUN_JIT_FLAGS=( ... ) array in ./gatun");
        List<String> flags = new ArrayList<>();
        Matcher word = WORD.matcher(array.group(1));
        while (word.find()) {
            String flag = word.group(1) != null ? word.group(1) : word.group(2);
            flags.add(flag.replace("$GATUN_HOME", Path.of("").toAbsolutePath().toString()));
        }
        assertEquals(flags, ChildJvm.LAUNCHER_JIT_FLAGS);
    }
}
