package dev.gatun.cli;

import dev.gatun.data.DataSet;
import dev.gatun.train.SanityCheck;
import dev.gatun.train.SanityChecks;
import dev.gatun.train.SanityReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code gatun sanity}: the course's four checks before a long run (initial loss ≈ ln C, a large L2 raises it,
 * 20 samples overfit, a learning-rate sweep from too small to exploding), as a table. Exit 0 when all pass.
 */
@Command(name = "sanity", mixinStandardHelpOptions = true,
        description = {"Run the course's sanity checks on the training set: initial loss ~ ln C with regularisation off, "
                + "a large L2 raises it, a 20-sample subset overfits to 100%%, and a learning-rate sweep (1e-6 .. 10) "
                + "finds the rates too small, usable and exploding.",
                "Prints check, measured, expected and PASS/FAIL; exit code 0 when every check passes, 1 otherwise."})
final class SanityCommand extends JsonReportingCommand {
    @Mixin
    DataOptions data;

    @Mixin
    NetworkOptions network;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the weights, subsets and batch order (default ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() throws Exception {
        try (TrainingData input = data.openClassification("the sanity checks expect a loss of ln C and 100% accuracy"
                + " on a small subset, which a regression has not", network.classes(), seed, null)) {
            DataSet train = input.train();
            List<Integer> widths = input.widths(network, false);
            NetworkOptions.requireFits(widths.getFirst(), widths.getLast(), train);
            System.out.printf("sanity checks of %s on %s (%d samples)%n", NetworkOptions.text(widths), input.source(),
                    train.size());
            SanityReport report = SanityChecks.builder(network.spec(widths, seed), train)
                    .normalization(input.defaultNormalization(train)).seed(seed).build().run();
            print(report);
            return report.passed() ? 0 : Main.EXIT_ERROR;
        }
    }

    private void print(SanityReport report) {
        int nameWidth = report.checks().stream().mapToInt(c -> c.name().length()).max().orElse(5);
        for (SanityCheck c : report.checks()) {
            System.out.printf("%-" + nameWidth + "s  %s%n", c.name(), c.passed() ? "PASS" : "FAIL");
            System.out.printf("%-" + nameWidth + "s    measured: %s%n", "", c.measured());
            System.out.printf("%-" + nameWidth + "s    expected: %s%n", "", c.expected());
        }
        System.out.println(report.passed() ? "all sanity checks passed" : "SANITY CHECKS FAILED");
        if (json.requested) {
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("checks", report.checks().stream().map(Json::fields).toList());
            fields.put("usable_learning_rate", Map.of("low", report.usableRateLow(), "high", report.usableRateHigh()));
            fields.put("passed", report.passed());
            JsonOutput.print(fields);
        }
    }
}
