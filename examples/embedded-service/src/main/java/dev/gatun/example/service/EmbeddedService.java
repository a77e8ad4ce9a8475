package dev.gatun.example.service;

import dev.gatun.Gatun;
import dev.gatun.serve.Predictor;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * A minimal prediction service: loads a model file at start-up, then answers one request per line of standard
 * input (comma-separated raw features) on a pool of request threads that share one {@link Predictor}, and
 * prints {@code row<TAB>class<TAB>probability} per request, in input order.
 *
 * <pre>java [JVM flags from the README] ... dev.gatun.example.service.EmbeddedService MODEL &lt; rows.csv</pre>
 */
public final class EmbeddedService {
    private static final int REQUEST_THREADS = 2;

    private EmbeddedService() {}

    public static void main(String[] args) throws IOException, InterruptedException {
        if (args.length != 1) {
            System.err.println("usage: EmbeddedService MODEL < rows.csv   (one sample per line, comma-separated features)");
            System.exit(2);
        }
        // Start-up: a bad model file or a missing OpenBLAS stops the service here, before it takes any request.
        try (Predictor predictor = Predictor.load(Path.of(args[0]));
             ExecutorService requests = Executors.newFixedThreadPool(REQUEST_THREADS)) {
            System.err.printf("gatun %s: %s loaded (%d inputs, %d outputs, %,d bytes off-heap)%n", Gatun.version(),
                    args[0], predictor.inputs(), predictor.outputs(), predictor.nativeBytes());
            predictor.warmUp(); // compile every prediction path now, so the first requests are as fast as later ones
            List<Future<String>> answers = new ArrayList<>();
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                String request = line;
                int row = answers.size();
                answers.add(requests.submit(() -> answer(predictor, row, request)));
            }
            for (Future<String> answer : answers) {
                System.out.println(answer.get());
            }
        } catch (ExecutionException e) {
            // A bad request (wrong feature count, not a number, NaN) is the predictor's IllegalArgumentException.
            System.err.println("request failed: " + e.getCause().getMessage());
            System.exit(1);
        }
    }

    /** One request: parse the features, classify with the shared predictor, format the answer. */
    private static String answer(Predictor predictor, int row, String line) {
        String[] fields = line.split(",");
        float[] features = new float[fields.length];
        for (int j = 0; j < fields.length; j++) {
            features[j] = Float.parseFloat(fields[j].strip());
        }
        float[] probabilities = new float[predictor.outputs()];
        int label = predictor.classify(features, probabilities);
        return String.format("%d\t%d\t%.4f", row, label, probabilities[label]);
    }
}
