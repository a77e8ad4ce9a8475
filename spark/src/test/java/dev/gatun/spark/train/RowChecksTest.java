package dev.gatun.spark.train;

import org.apache.spark.ml.linalg.Vectors;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RowChecksTest {
    /** The old RDD API's DenseVector has the ML one's simple name: the message names the package and the way out. */
    @Test
    void anOldMllibVectorIsNamedByItsFullClassName() {
        RowChecks.BadRow e = assertThrows(RowChecks.BadRow.class, () -> RowChecks.features(
                org.apache.spark.mllib.linalg.Vectors.dense(1, 2), 2, 7, "features"));
        assertTrue(e.getMessage().startsWith("row 7: features column 'features' holds a "
                + "org.apache.spark.mllib.linalg.DenseVector, not an org.apache.spark.ml.linalg vector"), e.getMessage());
        assertTrue(e.getMessage().contains("MLUtils.convertVectorColumnsToML"), e.getMessage());
        assertEquals(2, RowChecks.features(Vectors.dense(1, 2), 2, 7, "features").size());
    }
}
