/**
 * Gatun: a deep-learning engine for the JVM. Tensors live off-heap, matrix products go to the system OpenBLAS
 * through the Foreign Function &amp; Memory API, elementwise work runs in Java kernels.
 *
 * <p>The module exports {@code dev.gatun} (the build's version) and the packages a program builds on:
 * {@code tensor}, {@code blas}, {@code activation}, {@code nn}, {@code optim}, {@code data}, {@code train}, {@code tune}, {@code io}
 * and {@code serve}. The kernels, the OpenBLAS bindings, the file-replacing helper, the {@code gatun} command and
 * the example HTTP service stay inside.
 *
 * <p>A service on the module path runs with {@code --enable-native-access=dev.gatun} (the OpenBLAS downcalls) and
 * {@code --add-modules jdk.incubator.vector} (the Vector API kernels; the README says what happens without it). It
 * needs SLF4J and nothing else: picocli, XChart, {@code java.desktop}, {@code java.net.http},
 * {@code jdk.management} and Jetty serve only the {@code gatun} command and the example HTTP service, so they are
 * {@code requires static}. So are Tribuo's ONNX classes and protobuf-java, which only reading and writing
 * {@code .onnx} files needs: a service that loads ONNX models on the module path adds
 * {@code --add-modules org.tribuo.util.onnx} (or requires that module itself).
 */
module dev.gatun {
    requires org.slf4j;
    requires static jdk.incubator.vector;

    // The gatun command and its example HTTP service only.
    requires static info.picocli;
    requires static org.knowm.xchart;
    requires static java.desktop;
    requires static java.net.http;
    requires static org.eclipse.jetty.server;
    requires static jdk.management;   // gatun train's check of a run's memory against the machine's

    // ONNX model files only.
    requires static org.tribuo.util.onnx;
    requires static com.google.protobuf;

    exports dev.gatun;
    exports dev.gatun.blas;
    exports dev.gatun.tensor;
    exports dev.gatun.activation;
    exports dev.gatun.nn;
    exports dev.gatun.optim;
    exports dev.gatun.data;
    exports dev.gatun.train;
    exports dev.gatun.tune;
    exports dev.gatun.io;
    exports dev.gatun.serve;

    // picocli fills the commands' option fields by reflection.
    opens dev.gatun.cli to info.picocli;

    // Training on a cluster engine outside the core (the gatun-spark module), found by name.
    uses dev.gatun.train.ClusterTraining;
}
