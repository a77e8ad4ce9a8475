package dev.gatun.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Names for the classes of a data set: Fashion-MNIST's when the data is Debian's copy of it, else the indices. */
final class ClassNames {
    static final List<String> FASHION_MNIST = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
            "Shirt", "Sneaker", "Bag", "Ankle boot");

    private ClassNames() {}

    static List<String> of(Path directory, int classes) {
        if (classes == FASHION_MNIST.size() && directory.toAbsolutePath().normalize().toString().contains("fashion")) {
            return FASHION_MNIST;
        }
        List<String> names = new ArrayList<>();
        for (int k = 0; k < classes; k++) {
            names.add(Integer.toString(k));
        }
        return names;
    }
}
