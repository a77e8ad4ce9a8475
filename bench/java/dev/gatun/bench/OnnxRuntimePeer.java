package dev.gatun.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.gatun.data.DataSet;
import dev.gatun.data.MnistDirectory;

import java.lang.foreign.ValueLayout;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;

/**
 * bench/compare's ONNX Runtime peer for inference: runs an ONNX file (Gatun's model, exported by
 * {@code gatun export --onnx}, so the same weights and the normalisation inside the graph) the way a Java service
 * calls ONNX Runtime: per request a tensor made from the request's floats (raw Fashion-MNIST test pixels), one
 * {@code run}, the probabilities read back as {@code float[][]}. After {@code --warmup-seconds} of calls it times
 * single calls for {@code --seconds} and prints, like the Python peers, one JSON line: p50/p90/p99/p99.9 and mean
 * latency in µs, calls, throughput (rows per second), versions.
 *
 * <pre>
 *   java -cp ... dev.gatun.bench.OnnxRuntimePeer --model M.onnx --data DIR --batch B --threads T --seconds S --warmup-seconds W
 * </pre>
 * {@code --threads} is ONNX Runtime's intra-op thread count (inter-op 1, sequential execution): one request
 * thread using T cores, as Gatun's and the Python peers' T BLAS threads.
 */
public final class OnnxRuntimePeer {
    private static final int DISTINCT_REQUESTS = 64;

    private OnnxRuntimePeer() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> options = options(args);
        Path model = Path.of(require(options, "--model"));
        Path data = Path.of(options.getOrDefault("--data", "/usr/share/datasets/fashion-mnist"));
        int batch = Integer.parseInt(options.getOrDefault("--batch", "1"));
        int threads = Integer.parseInt(options.getOrDefault("--threads", "1"));
        double seconds = Double.parseDouble(options.getOrDefault("--seconds", "5"));
        double warmupSeconds = Double.parseDouble(options.getOrDefault("--warmup-seconds", "1"));
        if (batch < 1 || threads < 1 || !(seconds > 0) || !(warmupSeconds >= 0)) {
            throw new IllegalArgumentException("--batch and --threads must be >= 1, --seconds > 0, --warmup-seconds >= 0");
        }
        float[][] requests = requests(data, batch);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions session = new OrtSession.SessionOptions()) {
            session.setIntraOpNumThreads(threads);
            session.setInterOpNumThreads(1);
            session.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            session.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            try (OrtSession ort = env.createSession(model.toString(), session)) {
                String input = ort.getInputNames().iterator().next();
                long[] shape = {batch, requests[0].length / batch};
                double sink = 0;
                long end = System.nanoTime() + (long) (warmupSeconds * 1e9);
                int i = 0;
                while (System.nanoTime() < end) {
                    sink += call(env, ort, input, requests[i++ % requests.length], shape);
                }
                long[] latencies = new long[1 << 16];
                int calls = 0;
                long begin = System.nanoTime();
                long stop = begin + (long) (seconds * 1e9);
                long now = begin;
                while (now < stop) {
                    long before = System.nanoTime();
                    sink += call(env, ort, input, requests[i++ % requests.length], shape);
                    now = System.nanoTime();
                    if (calls == latencies.length) {
                        latencies = Arrays.copyOf(latencies, 2 * calls);
                    }
                    latencies[calls++] = now - before;
                }
                double elapsed = (now - begin) / 1e9;
                long[] sorted = Arrays.copyOf(latencies, calls);
                Arrays.sort(sorted);
                double mean = Arrays.stream(sorted).average().orElse(0) / 1000.0;
                System.out.println(String.format(Locale.ROOT, "{\"engine\":\"onnxruntime\",\"batch\":%d,\"threads\":%d,"
                                + "\"p50_us\":%.3f,\"p90_us\":%.3f,\"p99_us\":%.3f,\"p999_us\":%.3f,\"mean_us\":%.3f,"
                                + "\"calls\":%d,\"throughput_per_second\":%.1f,\"checksum\":%.6g,"
                                + "\"versions\":{\"onnxruntime\":\"%s\",\"java\":\"%s\"}}",
                        batch, threads, percentile(sorted, 0.50), percentile(sorted, 0.90), percentile(sorted, 0.99),
                        percentile(sorted, 0.999), mean, calls, calls * batch / elapsed, sink, env.getVersion(),
                        Runtime.version()));
            }
        }
    }

    /** One request as a service makes it; returns a probability so the work cannot be dropped. */
    private static float call(OrtEnvironment env, OrtSession ort, String input, float[] request, long[] shape)
            throws OrtException {
        try (OnnxTensor tensor = OnnxTensor.createTensor(env, FloatBuffer.wrap(request), shape);
             OrtSession.Result result = ort.run(Map.of(input, tensor))) {
            float[][] probabilities = (float[][]) result.get(0).getValue();
            return probabilities[0][0];
        }
    }

    /** Up to 64 requests of {@code batch} raw test images each, in file order (wrapping around). */
    private static float[][] requests(Path data, int batch) throws Exception {
        try (MnistDirectory mnist = MnistDirectory.load(data)) {
            DataSet test = mnist.test();
            int features = test.features();
            int count = Math.max(1, Math.min(DISTINCT_REQUESTS, test.size() / batch));
            float[][] requests = new float[count][batch * features];
            int sample = 0;
            for (float[] request : requests) {
                for (int r = 0; r < batch; r++, sample = (sample + 1) % test.size()) {
                    var pixels = test.pixels(sample);
                    for (int j = 0; j < features; j++) {
                        request[r * features + j] = pixels.get(ValueLayout.JAVA_BYTE, j) & 0xFF;
                    }
                }
            }
            return requests;
        }
    }

    private static double percentile(long[] sorted, double q) {
        int index = (int) Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))));
        return sorted[index] / 1000.0;
    }

    private static Map<String, String> options(String[] args) {
        if (args.length % 2 != 0) {
            throw new IllegalArgumentException("options come in pairs (--name value), got " + Arrays.toString(args));
        }
        Map<String, String> options = new java.util.HashMap<>();
        for (int k = 0; k < args.length; k += 2) {
            options.put(args[k], args[k + 1]);
        }
        return options;
    }

    private static String require(Map<String, String> options, String name) {
        String value = options.get(name);
        if (value == null) {
            throw new IllegalArgumentException(name + " is required");
        }
        return value;
    }
}
