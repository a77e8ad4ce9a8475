package dev.gatun.spark.cluster;

import dev.gatun.cli.Main;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * bench/spark-compare's run on a real standalone cluster: starts a {@link LoopbackCluster} (a master and a worker
 * JVM, whose two one-core executors are JVMs of their own), runs {@code gatun train ARGS --spark <its master>} in
 * this JVM as the driver, exactly as a user's command would, and writes the peak resident memory of every JVM
 * involved to the file named by {@code -Dgatun.bench.rss}: in cluster mode the driver's figure alone says little.
 * The executors' peaks are sampled while they live (VmHWM, every 200 ms), since they exit with the session.
 *
 * <p>Usage: {@code LoopbackClusterRun TRAIN-ARGS...} with {@code -Dgatun.spark.jvm.flags=...} (the flags the
 * cluster's JVMs need, the Spark module's {@code spark.jvm.flags}) and {@code -Dgatun.bench.rss=FILE}.
 */
public final class LoopbackClusterRun {
    private LoopbackClusterRun() {}

    public static void main(String[] args) throws Exception {
        String flags = System.getProperty("gatun.spark.jvm.flags", "");
        Path rssFile = Path.of(System.getProperty("gatun.bench.rss", "cluster-rss.json"));
        Path home = Files.createTempDirectory("gatun-loopback-cluster");
        int exit;
        Map<Long, Long> executorPeaks = new ConcurrentHashMap<>();
        long masterPeak;
        long workerPeak;
        try (LoopbackCluster cluster = new LoopbackCluster(home, flags, 2)) {
            // The session gatun train starts reads these spark.* system properties, as spark-submit's --conf sets them.
            System.setProperty("spark.executor.cores", "1");
            System.setProperty("spark.cores.max", "2");
            System.setProperty("spark.executor.memory", "1g");
            System.setProperty("spark.driver.host", "127.0.0.1");
            System.setProperty("spark.driver.bindAddress", "127.0.0.1");
            System.setProperty("spark.ui.enabled", "false");
            System.setProperty("spark.scheduler.barrier.maxConcurrentTasksCheck.interval", "1s");
            System.setProperty("spark.scheduler.barrier.maxConcurrentTasksCheck.maxFailures", "120");
            Thread sampler = Thread.ofPlatform().daemon().name("rss-sampler").start(() -> sample(executorPeaks));
            String[] command = Stream.concat(Stream.of(args), Stream.of("--spark", cluster.masterUrl()))
                    .toArray(String[]::new);
            exit = Main.run(command);
            sampler.interrupt();
            masterPeak = peakKb(cluster.processes().get(0).toHandle());
            workerPeak = peakKb(cluster.processes().get(1).toHandle());
        } finally {
            deleteTree(home);
        }
        List<Long> executors = executorPeaks.values().stream().sorted(Comparator.reverseOrder()).toList();
        Files.writeString(rssFile, String.format(Locale.ROOT,
                "{\"driver_kb\":%d,\"executors_kb\":%s,\"master_kb\":%d,\"worker_kb\":%d}%n",
                peakKb(ProcessHandle.current()), executors, masterPeak, workerPeak));
        System.exit(exit);
    }

    /** Keeps the highest VmHWM seen of every executor JVM until interrupted. */
    private static void sample(Map<Long, Long> peaks) {
        while (!Thread.currentThread().isInterrupted()) {
            ProcessHandle.allProcesses()
                    .filter(p -> p.info().commandLine().orElse("").contains("CoarseGrainedExecutorBackend"))
                    .forEach(p -> peaks.merge(p.pid(), peakKb(p), Math::max));
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** A live process's peak resident set (VmHWM) in KB; 0 once it has gone. */
    private static long peakKb(ProcessHandle process) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | RuntimeException e) {
            // gone between listing and reading
        }
        return 0;
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
