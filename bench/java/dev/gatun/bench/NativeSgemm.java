package dev.gatun.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Runs bench/native's sgemm_bench and reads its output: one flat JSON object per line, one line per shape. */
final class NativeSgemm {
    /** A key and its value, the value either a JSON string or a bare number. */
    private static final Pattern FIELD = Pattern.compile("\"(\\w+)\":(\"(?:[^\"\\\\]|\\\\.)*\"|[^,}]+)");

    /** One line of sgemm_bench output. */
    record Result(GemmShape shape, double nsPerCall, int threads, String library, String config, String core,
                  String json) {}

    private NativeSgemm() {}

    static List<Result> run(Path binary, int threads, double minTimeSeconds, int batches, List<GemmShape> shapes)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(binary.toString(), "--threads", Integer.toString(threads),
                "--min-time", Double.toString(minTimeSeconds), "--batches", Integer.toString(batches)));
        for (GemmShape shape : shapes) {
            command.add("--shape");
            command.add(shape.argument());
        }
        Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        List<Result> results = new ArrayList<>();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int exit = process.waitFor();
        if (exit != 0) {
            throw new IllegalStateException(String.join(" ", command) + " exited with " + exit);
        }
        for (String line : output.lines().filter(l -> !l.isBlank()).toList()) {
            results.add(parse(line));
        }
        return results;
    }

    static Result parse(String line) {
        Map<String, String> fields = new LinkedHashMap<>();
        Matcher matcher = FIELD.matcher(line);
        while (matcher.find()) {
            String value = matcher.group(2);
            fields.put(matcher.group(1), value.startsWith("\"")
                    ? value.substring(1, value.length() - 1).replaceAll("\\\\(.)", "$1") : value.strip());
        }
        try {
            GemmShape shape = new GemmShape(Integer.parseInt(fields.get("m")), Integer.parseInt(fields.get("n")),
                    Integer.parseInt(fields.get("k")));
            return new Result(shape, Double.parseDouble(fields.get("ns_per_call")), Integer.parseInt(fields.get("threads")),
                    fields.get("library"), fields.get("config"), fields.get("core"), line);
        } catch (RuntimeException e) {
            throw new IllegalStateException("sgemm_bench printed a line without m, n, k, ns_per_call, threads: " + line, e);
        }
    }

    /** The raw lines as one JSON array, so the file is JSON like JMH's. */
    static void write(Path file, List<Result> results) throws IOException {
        List<String> lines = results.stream().map(Result::json).toList();
        Files.writeString(file, "[\n  " + String.join(",\n  ", lines) + "\n]\n");
    }
}
