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

    /** A regression's target must be a finite number within float32's range; it is kept as float32 holds it. */
    @Test
    void aTargetIsAFiniteFloat32Number() {
        assertEquals(0.1f, RowChecks.target(0.1, 3, "y"), 0.0);
        assertEquals(-7.0, RowChecks.target(-7, 3, "y"), 0.0);
        assertEquals("row 3: label Infinity in column 'y' is not finite; a regression's targets must be finite",
                assertThrows(RowChecks.BadRow.class, () -> RowChecks.target(Double.POSITIVE_INFINITY, 3, "y")).getMessage());
        assertTrue(assertThrows(RowChecks.BadRow.class, () -> RowChecks.target(1e39, 3, "y")).getMessage()
                .contains("label 1.0E39 in column 'y' is beyond float32's range"));
        assertEquals("row 3: label column 'y' holds a String, not a number",
                assertThrows(RowChecks.BadRow.class, () -> RowChecks.target("1.5", 3, "y")).getMessage());
        assertEquals("row 3: label column 'y' is null",
                assertThrows(RowChecks.BadRow.class, () -> RowChecks.target(null, 3, "y")).getMessage());
    }
}
