package dev.gatun.spark;

import dev.gatun.blas.Blas;
import dev.gatun.blas.Transpose;
import dev.gatun.tensor.DType;
import dev.gatun.tensor.Tensor;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.Iterator;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * What the rest of the module builds on: a local[2] session starts on this JDK with the module's JVM flags and
 * its pinned Scala library, two tasks run as one barrier stage and see each other's messages through
 * {@code allGather}, and each calls OpenBLAS through Gatun inside its task.
 */
class SparkEnvironmentTest {

    @Test
    void barrierTasksExchangeMessagesAndCallOpenBlas() throws Exception {
        try (SparkSession spark = TestSessions.local(2)) {
            JavaRDD<Integer> rows = JavaSparkContext.fromSparkContext(spark.sparkContext())
                    .parallelize(List.of(1, 2, 3, 4), 2);
            List<String> results = BarrierStage.map(rows, SparkEnvironmentTest::task, String.class).collect();
            // Each task reports what it gathered and a gemm it ran: 2·2 matrices of its partition's sum, so
            // partition {1,2} computes 3·3·2 = 18 per entry and {3,4} 7·7·2 = 98.
            assertEquals(List.of("0,1 gemm=18.0", "0,1 gemm=98.0"), results);
        }
    }

    private static Iterator<String> task(Iterator<Integer> partition) {
        BarrierTaskContext context = BarrierTaskContext.get();
        int sum = 0;
        while (partition.hasNext()) {
            sum += partition.next();
        }
        String[] gathered = context.allGather(Integer.toString(context.partitionId()));
        try (Arena arena = Arena.ofConfined()) {
            Tensor a = Tensor.allocate(arena, DType.F32, 2, 2).fill(sum);
            Tensor c = Tensor.allocate(arena, DType.F32, 2, 2);
            Blas.gemm(Transpose.NONE, Transpose.NONE, 1.0, a, a, 0.0, c);
            return List.of(String.join(",", gathered) + " gemm=" + c.get(0)).iterator();
        }
    }
}
