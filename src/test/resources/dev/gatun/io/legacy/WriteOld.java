// How before-metadata.gatun and before-metadata.expected.csv were made: compiled and run against Gatun at commit
// 1f9de7c (the last before model files carried gatun_version and created), not against this checkout:
//   git worktree add /tmp/old 1f9de7c && (cd /tmp/old && mvn -q -DskipTests process-classes)
//   javac -cp /tmp/old/target/classes:SLF4J -d out WriteOld.java
//   java --enable-native-access=ALL-UNNAMED --add-modules jdk.incubator.vector -cp out:/tmp/old/target/classes:SLF4J \
//       WriteOld before-metadata.gatun > rows.csv
import dev.gatun.kernels.Activation;
import dev.gatun.data.Normalization;
import dev.gatun.io.ModelIo;
import dev.gatun.nn.Loss;
import dev.gatun.nn.Model;
import dev.gatun.nn.NamedTensor;
import dev.gatun.serve.Predictor;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.Map;

public class WriteOld {
    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[0]);
        int features = 6;
        float[] mean = {0.5f, -1f, 2f, 0f, 0.25f, -0.75f};
        float[] std = {1.5f, 0.5f, 2f, 1f, 0.8f, 1.2f};
        Normalization norm = Normalization.of(Normalization.Mode.STANDARDIZE_PER_FEATURE, features, mean, std);
        try (Arena arena = Arena.ofConfined();
             Model model = Model.builder(features).dense(5, Activation.RELU).batchNorm().dense(4, Activation.TANH)
                     .dropout(0.8).output(3, Loss.SOFTMAX_CROSS_ENTROPY).seed(7).build(arena)) {
            // Running statistics other than the initial 0 and 1, so that reading them back is checked too.
            for (NamedTensor s : model.state()) {
                for (long j = 0; j < s.tensor().size(); j++) {
                    s.tensor().set(j, s.name().contains("var") ? 0.5 + 0.2 * j : 0.1 * j - 0.2);
                }
                System.err.println("state " + s.name());
            }
            ModelIo.save(file, model, norm, Map.of("test_accuracy", "0.75"));
        }
        try (Predictor p = Predictor.load(file)) {
            float[] out = new float[3];
            for (int r = 0; r < 4; r++) {
                float[] in = new float[features];
                for (int j = 0; j < features; j++) in[j] = (float) (Math.sin(1 + r * 7 + j) * 3);
                p.predict(in, out);
                StringBuilder line = new StringBuilder();
                for (int j = 0; j < features; j++) line.append(in[j]).append(',');
                line.append(out[0]).append(',').append(out[1]).append(',').append(out[2]);
                System.out.println(line);
            }
        }
    }
}
