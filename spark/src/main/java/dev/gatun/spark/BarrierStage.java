package dev.gatun.spark;

import org.apache.spark.api.java.JavaRDD;
import scala.Function1;
import scala.jdk.javaapi.CollectionConverters;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;

import java.io.Serializable;
import java.util.Iterator;

/**
 * Runs a function over every partition of an RDD as one barrier stage: Spark starts all the tasks together or
 * none (and retries them together), which is what lets them wait for each other in
 * {@link org.apache.spark.BarrierTaskContext#allGather}. Java's {@code JavaRDD} has no {@code barrier()}, so this
 * bridges to the Scala one.
 */
public final class BarrierStage {
    private BarrierStage() {}

    /** A partition function Spark can ship to executors. */
    @FunctionalInterface
    public interface PartitionFunction<T, R> extends Serializable {
        Iterator<R> apply(Iterator<T> partition) throws Exception;
    }

    /** The RDD of {@code function}'s results, computed when an action runs it, all partitions as one gang. */
    public static <T, R> JavaRDD<R> map(JavaRDD<T> rdd, PartitionFunction<T, R> function, Class<R> resultType) {
        ClassTag<R> tag = ClassTag$.MODULE$.apply(resultType);
        Function1<scala.collection.Iterator<T>, scala.collection.Iterator<R>> scalaFunction = new ScalaFunction<>(function);
        return JavaRDD.fromRDD(rdd.rdd().barrier().mapPartitions(scalaFunction, false, tag), tag);
    }

    /** The Java function behind Scala's {@code Function1}; a named class so that it serialises plainly. */
    private record ScalaFunction<T, R>(PartitionFunction<T, R> function)
            implements Function1<scala.collection.Iterator<T>, scala.collection.Iterator<R>>, Serializable {
        @Override
        public scala.collection.Iterator<R> apply(scala.collection.Iterator<T> partition) {
            try {
                return CollectionConverters.asScala(function.apply(CollectionConverters.asJava(partition)));
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException(e.getMessage(), e);
            }
        }
    }
}
