package dev.gatun.cli;

import dev.gatun.nn.Loss;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;

/** What the commands call each class: Fashion-MNIST's names for its own data, class indices otherwise. */
final class ClassNames {
    /** Fashion-MNIST's labels 0..9, in the order of the data set's documentation. */
    static final List<String> FASHION_MNIST = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
            "Shirt", "Sneaker", "Bag", "Ankle boot");

    private ClassNames() {}

    /**
     * The names for {@code classes} classes of data read from {@code dataDir} ({@code null}: the default directory).
     * Only the default directory is known to hold Fashion-MNIST; any other directory might be MNIST digits or KMNIST,
     * whose labels the names would misstate, so they get indices.
     */
    static List<String> of(Path dataDir, int classes) {
        boolean fashion = classes == FASHION_MNIST.size() && (dataDir == null
                || dataDir.toAbsolutePath().normalize().equals(DataDirectory.DEFAULT.toAbsolutePath().normalize()));
        return fashion ? FASHION_MNIST : indices(classes);
    }

    /**
     * How many classes a model tells apart: its softmax outputs, or two for a single sigmoid output; anything else
     * (MSE regression, several independent sigmoids) is not a classifier and {@code command} refuses it.
     */
    static int count(Path modelFile, Loss loss, int outputs, String command) {
        if (loss.predictsClasses(outputs)) {
            return loss.classes(outputs);
        }
        throw new IllegalArgumentException("model " + modelFile + " is " + loss + " with " + outputs + " outputs: gatun "
                + command + " needs a classifier (softmax, or one sigmoid output)");
    }

    static List<String> indices(int classes) {
        return IntStream.range(0, classes).mapToObj(Integer::toString).toList();
    }
}
