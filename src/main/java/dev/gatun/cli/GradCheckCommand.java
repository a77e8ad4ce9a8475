package dev.gatun.cli;

import dev.gatun.blas.Blas;
import dev.gatun.activation.Activation;
import dev.gatun.nn.Init;
import dev.gatun.nn.Loss;
import dev.gatun.nn.Model;
import dev.gatun.nn.Parameter;
import dev.gatun.nn.Targets;
import dev.gatun.tensor.DType;
import dev.gatun.tensor.Tensor;
import dev.gatun.train.GradientCheck;
import dev.gatun.train.GradientCheckReport;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.lang.foreign.Arena;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * {@code gatun gradcheck}: the course's gradient check on a small float64 network that exercises every layer kind
 * (dense with each activation, batch norm, dropout with its mask held fixed, L2 or L1), on a seeded batch labelled
 * by a random linear teacher. Exit code 0 when backprop agrees (relative difference below 1e−7), 1 otherwise.
 */
@Command(name = "gradcheck", mixinStandardHelpOptions = true,
        description = {"Check backprop against two-sided finite differences (float64, epsilon 1e-7) on a small network "
                + "with every layer kind: dense (ReLU, tanh, sigmoid, leaky ReLU), batch norm, dropout, L2 or L1.",
                "Prints each parameter tensor's relative difference, the overall one (< 1e-7 passes) and the worst tensor."})
final class GradCheckCommand extends JsonReportingCommand {
    private static final int INPUTS = 6;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the weights, the batch and the dropout masks (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--batch", defaultValue = "16", description = "Rows in the batch (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--steps", defaultValue = "0",
            description = "Plain gradient-descent steps (learning rate 0.1) before checking, to check away from the initial weights (default ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--loss", defaultValue = "softmax",
            description = "Output loss: softmax (cross-entropy, 3 classes), binary (cross-entropy, 1 output) or mse (2 outputs); default ${DEFAULT-VALUE}.")
    String loss;

    @Option(names = "--regularization", defaultValue = "l2", description = "l2, l1 or none (default ${DEFAULT-VALUE}).")
    String regularization;

    @Option(names = "--lambda", defaultValue = "0.1", description = "Regularization strength lambda (default ${DEFAULT-VALUE}).")
    double lambda;

    @Override
    public Integer call() {
        validate();
        Loss outputLoss = switch (loss.toLowerCase(Locale.ROOT)) {
            case "softmax" -> Loss.SOFTMAX_CROSS_ENTROPY;
            case "binary" -> Loss.BINARY_CROSS_ENTROPY;
            default -> Loss.MSE;
        };
        int outputs = switch (outputLoss) {
            case SOFTMAX_CROSS_ENTROPY -> 3;
            case BINARY_CROSS_ENTROPY -> 1;
            case MSE -> 2;
        };
        Model.Builder builder = Model.builder(INPUTS)
                .dense(8, Activation.RELU).batchNorm().dropout(0.8)
                .dense(6, Activation.TANH)
                .dense(5, Activation.SIGMOID)
                .dense(4, Activation.LEAKY_RELU)
                .output(outputs, outputLoss).init(Init.HE).seed(seed).dtype(DType.F64);
        switch (regularization.toLowerCase(Locale.ROOT)) {
            case "l2" -> builder.l2(lambda);
            case "l1" -> builder.l1(lambda);
            default -> { }
        }
        try (Arena arena = Arena.ofConfined(); Model model = builder.build(arena)) {
            Tensor X = gaussian(arena);
            Targets y = targets(arena, X, outputLoss, outputs);
            for (int s = 0; s < steps; s++) {
                model.computeGradients(X, y);
                for (Parameter p : model.parameters()) {
                    Blas.axpy(-0.1, p.grad(), p.value());
                }
            }
            GradientCheckReport report = GradientCheck.check(model, X, y);
            print(model, report);
            return report.passed() ? 0 : Main.EXIT_ERROR;
        }
    }

    private void validate() {
        List<String> losses = List.of("softmax", "binary", "mse");
        List<String> regularizations = List.of("l2", "l1", "none");
        String problem = batch < 2 ? "--batch must be at least 2 (batch norm needs a batch), got " + batch
                : steps < 0 ? "--steps must be >= 0, got " + steps
                : !losses.contains(loss.toLowerCase(Locale.ROOT)) ? "--loss must be one of " + losses + ", got '" + loss + "'"
                : !regularizations.contains(regularization.toLowerCase(Locale.ROOT))
                        ? "--regularization must be one of " + regularizations + ", got '" + regularization + "'"
                : !(lambda >= 0) || Double.isInfinite(lambda) ? "--lambda must be finite and >= 0, got " + lambda
                : null;
        if (problem != null) {
            throw new CommandLine.ParameterException(spec.commandLine(), problem);
        }
    }

    private Tensor gaussian(Arena arena) {
        SplittableRandom random = new SplittableRandom(seed);
        Tensor X = Tensor.allocate(arena, DType.F64, batch, INPUTS);
        for (long k = 0; k < X.size(); k++) {
            X.set(k, random.nextGaussian());
        }
        return X;
    }

    /** Targets from a random linear teacher T: class argmax(x·T), the sign of x·T, or sin(x·T) for MSE. */
    private Targets targets(Arena arena, Tensor X, Loss outputLoss, int outputs) {
        SplittableRandom random = new SplittableRandom(~seed);
        int width = Math.max(outputs, 2);
        double[][] T = new double[INPUTS][width];
        for (double[] row : T) {
            for (int c = 0; c < width; c++) {
                row[c] = random.nextGaussian();
            }
        }
        int[] labels = new int[batch];
        Tensor dense = Tensor.allocate(arena, DType.F64, batch, outputs);
        for (int i = 0; i < batch; i++) {
            double best = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < width; c++) {
                double score = 0;
                for (int j = 0; j < INPUTS; j++) {
                    score += X.get(i, j) * T[j][c];
                }
                if (score > best) {
                    best = score;
                    labels[i] = c;
                }
                if (c < outputs) {
                    dense.set(i, c, Math.sin(score));
                }
            }
        }
        return outputLoss == Loss.MSE ? Targets.dense(dense) : Targets.labels(arena, labels);
    }

    private void print(Model model, GradientCheckReport report) {
        System.out.printf("network   %s, %s, %s, float64, batch %d, %d training steps before the check%n",
                model.spec().widths(), model.loss(), describeRegularization(model), batch, steps);
        System.out.printf("%-10s %-10s %18s %18s%n", "tensor", "shape", "relative error", "max |difference|");
        for (GradientCheckReport.TensorCheck t : report.tensors()) {
            System.out.printf("%-10s %-10s %18.3e %18.3e%n", t.name(), t.shape(), t.relativeError(), t.maxAbsoluteDifference());
        }
        System.out.printf("overall relative difference %.3e (%s; < %.0e passes, > %.0e is a bug)%n", report.relativeError(),
                report.verdict(), GradientCheck.GOOD, GradientCheck.BUG);
        System.out.printf("worst tensor %s: %.3e%n", report.worstTensor(), report.maxRelativeError());
        if (!report.note().isEmpty()) {
            System.out.println("note: " + report.note());
        }
        System.out.println(report.passed() ? "PASSED" : "FAILED");
        json.print(Json.fields(new JsonReport(report.maxRelativeError(), report.worstTensor(), report.passed(),
                report.relativeError(), report.verdict(), GradientCheck.EPSILON, GradientCheck.GOOD,
                model.spec().widths(), model.loss().name(), describeRegularization(model), batch, steps, seed,
                report.tensors().stream().map(t -> Json.fields(new TensorReport(t.name(), t.shape(), t.relativeError(),
                        t.maxAbsoluteDifference()))).toList(), report.note())));
    }

    /** The check as {@code --json} reports it; a record, so its keys follow its components. */
    private record JsonReport(double maxRelativeError, String worstTensor, boolean passed, double relativeError,
                              String verdict, double epsilon, double threshold, List<Integer> widths, String loss,
                              String regularization, int batch, int steps, long seed, List<Map<String, Object>> tensors,
                              String note) {}

    private record TensorReport(String name, String shape, double relativeError, double maxAbsDifference) {}

    private static String describeRegularization(Model model) {
        var r = model.spec().regularization();
        return r.kind() == dev.gatun.nn.Regularization.Kind.NONE ? "no regularization" : r.kind() + " lambda=" + r.lambda();
    }
}
