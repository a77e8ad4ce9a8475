package dev.gatun.spark.cluster;

import dev.gatun.spark.ExecutorClassPath;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * A real Spark standalone cluster on loopback, started from the build's own jars: a master and a worker as
 * separate JVMs, whose executors are JVMs of their own. No Spark distribution is needed: {@code SPARK_HOME} is a
 * temporary folder whose {@code jars/} links every jar of the test class path but Gatun's own, plus a jar of the
 * test classes, which is what the worker puts on its executors' class path. Gatun's core and this module reach the
 * executors as a cluster application's own jars do: through {@code spark.jars} ({@link ExecutorClassPath}).
 */
final class LoopbackCluster implements AutoCloseable {
    private final Path home;
    private final List<Process> processes = new ArrayList<>();
    private final String masterUrl;

    LoopbackCluster(Path home, String jvmFlags, int workerCores) throws IOException {
        this.home = home;
        Path jars = Files.createDirectories(home.resolve("jars"));
        Set<Path> gatun = gatunLocations();
        for (String entry : System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"))
                .split(java.io.File.pathSeparator)) {
            Path path = Path.of(entry);
            if (gatun.contains(path.toAbsolutePath())) {
                continue;   // the session ships these (spark.jars), as gatun train --spark spark://... does
            }
            if (Files.isDirectory(path)) {
                ExecutorClassPath.jarOf(path, jars.resolve("classes-" + path.getFileName() + ".jar"));
            } else if (entry.endsWith(".jar") && Files.exists(path)) {
                Path link = jars.resolve(path.getFileName());
                if (!Files.exists(link)) {
                    Files.createSymbolicLink(link, path);
                }
            }
        }
        int port = freePort();
        this.masterUrl = "spark://127.0.0.1:" + port;
        start("master", jvmFlags, "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1", "--port",
                Integer.toString(port), "--webui-port", Integer.toString(freePort()));
        start("worker", jvmFlags, "org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1", "--cores",
                Integer.toString(workerCores), "--memory", "2g", "--webui-port", Integer.toString(freePort()),
                "--work-dir", home.resolve("work").toString(), masterUrl);
    }

    /** Where this JVM loaded Gatun's core and the Spark module from. */
    private static Set<Path> gatunLocations() {
        Set<Path> locations = new HashSet<>();
        for (Class<?> type : List.of(dev.gatun.Gatun.class, ExecutorClassPath.class)) {
            try {
                locations.add(Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toAbsolutePath());
            } catch (java.net.URISyntaxException e) {
                throw new IllegalStateException(e);
            }
        }
        return locations;
    }

    String masterUrl() {
        return masterUrl;
    }

    /** The master's and the worker's processes, in that order. */
    List<Process> processes() {
        return List.copyOf(processes);
    }

    /**
     * A Spark session on this cluster, on loopback and without a web UI, once both of its one-core executors
     * (started with {@code executorFlags}) have registered.
     */
    SparkSession session(String appName, String executorFlags) throws InterruptedException {
        SparkSession spark = SparkSession.builder().master(masterUrl).appName(appName)
                .config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.executor.cores", "1")
                .config("spark.executor.memory", "512m")
                .config("spark.cores.max", "2")
                .config("spark.executor.extraJavaOptions", executorFlags)
                .config("spark.jars", String.join(",", ExecutorClassPath.jars()))
                // A barrier stage submitted while a killed executor's replacement registers waits for it in
                // rounds of this interval (15 s unless set).
                .config("spark.scheduler.barrier.maxConcurrentTasksCheck.interval", "1s")
                .config("spark.scheduler.barrier.maxConcurrentTasksCheck.maxFailures", "120")
                .getOrCreate();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(150);
        // The driver counts itself among the block managers: 3 means both executors have registered.
        while (spark.sparkContext().getExecutorMemoryStatus().size() < 3) {
            if (System.nanoTime() > deadline) {
                spark.stop();
                throw new IllegalStateException("two executors did not register\n" + logs());
            }
            Thread.sleep(500);
        }
        return spark;
    }

    /** The last lines each process wrote, for a failure's message. */
    String logs() {
        StringBuilder out = new StringBuilder();
        for (String name : List.of("master", "worker")) {
            try {
                List<String> lines = Files.readAllLines(home.resolve(name + ".log"));
                out.append("--- ").append(name).append(" ---\n")
                        .append(String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()))).append('\n');
            } catch (IOException e) {
                out.append("--- ").append(name).append(": ").append(e.getMessage()).append('\n');
            }
        }
        return out.toString();
    }

    private void start(String name, String jvmFlags, String mainClass, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of(jvmFlags.trim().split("\\s+")));
        command.addAll(List.of("-Xmx256m", "-cp", home.resolve("jars") + "/*", mainClass));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(home.resolve(name + ".log").toFile());
        builder.environment().put("SPARK_HOME", home.toString());
        builder.environment().put("SPARK_SCALA_VERSION", "2.13");
        builder.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        processes.add(builder.start());
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /**
     * Kills one executor JVM of the worker at once (SIGKILL: no shutdown hooks, its sockets reset), as a crashed
     * or lost machine would; returns its process id.
     */
    long killOneExecutor() {
        ProcessHandle executor = processes.get(processes.size() - 1).descendants()
                .filter(p -> p.info().commandLine().orElse("").contains("CoarseGrainedExecutorBackend"))
                .findFirst().orElseThrow(() -> new IllegalStateException("the worker runs no executor JVM"));
        executor.destroyForcibly();
        return executor.pid();
    }

    /** Stops the worker (and with it its executors), then the master; waits for each. */
    @Override
    public void close() throws IOException {
        for (int i = processes.size() - 1; i >= 0; i--) {
            Process process = processes.get(i);
            process.descendants().forEach(ProcessHandle::destroy);
            process.destroy();
            try {
                if (!process.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
        }
    }
}
