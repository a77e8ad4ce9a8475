package dev.gatun.spark.train;

import org.apache.spark.Dependency;
import org.apache.spark.NarrowDependency;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.rdd.RDD;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * What a barrier stage needs from the application, checked on the driver before the stage is submitted: Spark
 * checks the same things only when the job starts, and its refusals look like failures worth retrying (the slot
 * check alone retries 40 times, 15 s apart, before it fails the job).
 */
final class BarrierSlots {
    private BarrierSlots() {}

    /**
     * The tasks the application can run at once, counted as Spark's barrier check counts them: executor cores over
     * {@code spark.task.cpus} ({@code local[4]} with two CPUs per task has 2), not {@code defaultParallelism}, which a
     * setting such as {@code spark.default.parallelism=200} makes anything. Another Spark without that method: the
     * default parallelism.
     */
    static int available(SparkContext sc) {
        try {
            return sc.maxNumConcurrentTasks(sc.resourceProfileManager().defaultResourceProfile());
        } catch (LinkageError notInThisSpark) {
            return sc.defaultParallelism();
        }
    }

    /**
     * {@link #available}, once it reaches {@code wanted} (at least 1) or {@code waitMillis} have passed: a session
     * just created on a cluster has no executors until they register, and counting then would refuse (or size the
     * run for) a cluster that is still starting.
     */
    static int awaitAtLeast(SparkContext sc, int wanted, long waitMillis) throws InterruptedException {
        long deadline = System.nanoTime() + waitMillis * 1_000_000L;
        int slots = available(sc);
        while (slots < Math.max(1, wanted) && System.nanoTime() < deadline) {
            Thread.sleep(100);
            slots = available(sc);
        }
        return slots;
    }

    /**
     * The task slots the application's settings promise once every executor has registered: executor instances
     * times executor cores, or {@code spark.cores.max}, over {@code spark.task.cpus}; 0 when the settings do not say
     * (local mode, where the slots are there at once).
     */
    static int promised(SparkConf conf) {
        int taskCpus = Math.max(1, conf.getInt("spark.task.cpus", 1));
        if (conf.contains("spark.executor.instances") && conf.contains("spark.executor.cores")) {
            return conf.getInt("spark.executor.instances", 0) * conf.getInt("spark.executor.cores", 0) / taskCpus;
        }
        if (conf.contains("spark.cores.max")) {
            return conf.getInt("spark.cores.max", 0) / taskCpus;
        }
        return 0;
    }

    /** Barrier stages do not run with dynamic allocation (Spark refuses the job): said before any job runs. */
    static void requireNoDynamicAllocation(SparkConf conf) {
        if (conf.getBoolean("spark.dynamicAllocation.enabled", false)) {
            throw new IllegalArgumentException("spark.dynamicAllocation.enabled is true: Gatun's replicas run as one"
                    + " barrier stage, which Spark does not run under dynamic allocation; set it to false for this"
                    + " application (and spark.executor.instances to the executors the replicas need)");
        }
    }

    /**
     * Whether the replicas' stage may run directly over {@code rdd}: Spark refuses a barrier stage whose RDDs within
     * the stage (reached through narrow dependencies) do not all have its partition count, as after
     * {@code coalesce(2)} of four partitions or a {@code union}. Such an input goes through a shuffle first.
     */
    static boolean oneNarrowChain(RDD<?> rdd, int partitions) {
        Deque<RDD<?>> todo = new ArrayDeque<>();
        todo.push(rdd);
        while (!todo.isEmpty()) {
            RDD<?> r = todo.pop();
            if (r.getNumPartitions() != partitions) {
                return false;
            }
            scala.collection.Iterator<Dependency<?>> deps = r.dependencies().iterator();
            while (deps.hasNext()) {
                Dependency<?> d = deps.next();
                if (d instanceof NarrowDependency<?>) {
                    todo.push(d.rdd());
                }
            }
        }
        return true;
    }
}
