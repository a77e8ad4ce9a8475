package dev.gatun;

import dev.gatun.blas.Blas;
import dev.gatun.nn.Model;
import dev.gatun.train.SanityChecks;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.lang.module.ModuleDescriptor;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The exported packages offer what a program builds on, not the hooks and entry points only tests use. */
class PublicApiTest {
    /** What the module exports, to everyone: the packages a program builds on. */
    private static final Set<String> EXPORTED = new TreeSet<>(List.of("dev.gatun", "dev.gatun.activation",
            "dev.gatun.blas", "dev.gatun.data", "dev.gatun.io", "dev.gatun.nn", "dev.gatun.optim", "dev.gatun.serve",
            "dev.gatun.tensor", "dev.gatun.train", "dev.gatun.tune"));

    /**
     * Every public type of the exported packages (nested ones included), without the {@code dev.gatun.} prefix. A
     * type that appears here is a promise to every program that uses Gatun: a class made public for the command line,
     * a test or a benchmark belongs in a package the module does not export.
     */
    private static final Set<String> PUBLIC_TYPES = new TreeSet<>(List.of(
            "Gatun",
            "activation.Activation",
            "blas.Blas", "blas.BlasInfo", "blas.BlasUnavailableException", "blas.Transpose",
            "data.Augmentation", "data.Batch", "data.BatchOptions", "data.Batches", "data.Batches.Builder",
            "data.CsvOptions", "data.CsvReader", "data.DataFileException", "data.DataSet", "data.DataSet.Split",
            "data.FeatureSums", "data.FeatureType", "data.IdxCache", "data.IdxFile", "data.IdxHeader", "data.IdxType",
            "data.MnistDirectory", "data.Normalization", "data.Normalization.Mode", "data.Table",
            "io.EncodedModel", "io.ModelFormatException", "io.ModelIo", "io.ModelIo.Description", "io.ModelIo.LoadedModel",
            "io.ModelMetadata", "io.OnnxExport",
            "nn.BatchNorm", "nn.BatchNorm.Buffers", "nn.Dense", "nn.Dense.Buffers", "nn.Dropout",
            "nn.Dropout.Buffers", "nn.Init", "nn.Layer", "nn.LayerSpec", "nn.Loss", "nn.Mode", "nn.Model",
            "nn.Model.Builder", "nn.ModelSpec", "nn.NamedTensor", "nn.Parameter", "nn.Regularization",
            "nn.Regularization.Kind", "nn.SharedBatch", "nn.Targets", "nn.Targets.Dense", "nn.Targets.Labels",
            "nn.Workspace",
            "optim.LearningRateSchedule", "optim.LearningRateSchedule.Unit", "optim.Optimizer",
            "optim.Optimizer.Kind",
            "serve.Predictor", "serve.Predictor.NonFinite", "serve.Predictor.Options", "serve.RowWeights",
            "tensor.DType", "tensor.Shapes", "tensor.Tensor",
            "train.ClusterTraining", "train.ClusterTraining.Epoch", "train.ClusterTraining.Progress",
            "train.ClusterTraining.Request", "train.ClusterTraining.Result", "train.ClusterTraining.Start",
            "train.EpochStats", "train.Evaluation", "train.Evaluator", "train.Explosion", "train.GradientCheck",
            "train.GradientCheckReport", "train.GradientCheckReport.TensorCheck", "train.History",
            "train.RegressionMetrics", "train.SanityCheck", "train.SanityChecks", "train.SanityChecks.Builder",
            "train.SanityReport", "train.Trainer", "train.Trainer.Builder", "train.TrainingListener",
            "train.TrainingResult", "train.TrainingResult.Outcome",
            "tune.Hyperparameters", "tune.LogRange", "tune.RandomSearch", "tune.RandomSearch.Builder",
            "tune.RandomSearch.Listener", "tune.SearchResult", "tune.SearchSpace", "tune.Trial", "tune.Trial.Phase"));

    private static List<Method> publicMethods(Class<?> type) {
        return Arrays.stream(type.getDeclaredMethods()).filter(m -> Modifier.isPublic(m.getModifiers())).toList();
    }

    @Test
    void the_module_exports_the_api_packages_to_everyone() throws Exception {
        Set<String> exported = new TreeSet<>();
        for (ModuleDescriptor.Exports e : descriptor().exports()) {
            assertFalse(e.isQualified(), "a qualified export: " + e);
            exported.add(e.source());
        }
        assertEquals(EXPORTED, exported);
    }

    @Test
    void the_exported_packages_hold_exactly_the_listed_public_types() throws Exception {
        Set<String> found = new TreeSet<>();
        for (ModuleDescriptor.Exports e : descriptor().exports()) {
            try (Stream<Path> files = Files.list(mainClasses().resolve(e.source().replace('.', '/')))) {
                for (Path file : files.filter(f -> f.toString().endsWith(".class")).toList()) {
                    String name = e.source() + "." + file.getFileName().toString().replace(".class", "");
                    if (name.endsWith("package-info")) {
                        continue;
                    }
                    Class<?> type = Class.forName(name, false, PublicApiTest.class.getClassLoader());
                    if (visibleOutside(type)) {
                        found.add(type.getName().replace('$', '.').substring("dev.gatun.".length()));
                    }
                }
            }
        }
        Set<String> added = new TreeSet<>(found);
        added.removeAll(PUBLIC_TYPES);
        Set<String> gone = new TreeSet<>(PUBLIC_TYPES);
        gone.removeAll(found);
        assertTrue(added.isEmpty() && gone.isEmpty(), "public but not listed: " + added + "; listed but not public: "
                + gone);
    }

    /** Public or protected, and so is every type around it; no anonymous, local or compiler-made classes. */
    private static boolean visibleOutside(Class<?> type) {
        if (type.isAnonymousClass() || type.isLocalClass() || type.isSynthetic()) {
            return false;
        }
        int modifiers = type.getModifiers();
        boolean visible = Modifier.isPublic(modifiers) || Modifier.isProtected(modifiers);
        return visible && (type.getEnclosingClass() == null || visibleOutside(type.getEnclosingClass()));
    }

    /** The directory of the module's compiled main classes, where the build puts them and the tests read them. */
    private static Path mainClasses() throws URISyntaxException {
        Path location = Path.of(Blas.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        assertTrue(Files.isDirectory(location), "the main classes are read from a directory, not " + location);
        return location;
    }

    private static ModuleDescriptor descriptor() throws IOException, URISyntaxException {
        try (InputStream in = Files.newInputStream(mainClasses().resolve("module-info.class"))) {
            return ModuleDescriptor.read(in);
        }
    }
    @Test
    void layer_decorators_are_not_public() {
        for (Class<?> type : List.of(Model.class, Model.Builder.class)) {
            for (Method m : publicMethods(type)) {
                assertTrue(Arrays.stream(m.getParameterTypes()).noneMatch(p -> p == UnaryOperator.class),
                        "public test hook " + m);
            }
        }
        assertTrue(publicMethods(SanityChecks.Builder.class).stream()
                .noneMatch(m -> m.getName().equals("decorator") || m.getName().equals("models")),
                "SanityChecks.Builder offers a public model hook");
    }

    @Test
    void blas_offers_gemm_axpy_and_the_library_controls_only() {
        Set<String> names = new TreeSet<>();
        publicMethods(Blas.class).forEach(m -> names.add(m.getName()));
        assertEquals(new TreeSet<>(List.of("axpy", "gemm", "info", "requireAvailable", "setThreads", "threads",
                "threadsSettable")),
                names);
    }
}
