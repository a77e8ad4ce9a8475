package dev.gatun.tensor;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.*;

class TensorTest {

    @Test
    void allocationsStartOnA64ByteBoundaryWhateverCameBefore() {
        try (Arena arena = Arena.ofConfined()) {
            for (int odd = 1; odd <= 17; odd += 2) {
                arena.allocate(odd); // misalign the arena's bump pointer on purpose
                Tensor t = Tensor.allocate(arena, odd % 4 == 1 ? DType.F32 : DType.F64, odd, 3);
                assertEquals(0, t.segment().address() % 64, "address of " + t.shapeString());
                assertEquals(64, Tensor.ALIGNMENT);
            }
        }
    }

    @Test
    void shapeSizeAndByteSizeFollowTheDimensions() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor m = Tensor.allocate(arena, DType.F32, 3, 5);
            assertArrayEquals(new long[] {3, 5}, m.shape());
            assertEquals(2, m.rank());
            assertEquals(15, m.size());
            assertEquals(3, m.rows());
            assertEquals(5, m.cols());
            assertEquals(5, m.dim(1));
            assertEquals(60, m.byteSize());
            assertEquals(60, m.segment().byteSize());
            assertEquals(DType.F32, m.dtype());
            assertEquals("(3, 5)", m.shapeString());

            Tensor v = Tensor.allocate(arena, DType.F64, 7);
            assertEquals(1, v.rows());
            assertEquals(7, v.cols());
            assertEquals(56, v.byteSize());

            Tensor cube = Tensor.allocate(arena, DType.F32, 2, 3, 4);
            assertEquals(2, cube.rows());
            assertEquals(12, cube.cols());
        }
    }

    @Test
    void shapeReturnsACopySoCallersCannotReshapeBehindItsBack() {
        try (Arena arena = Arena.ofConfined()) {
            long[] dims = {2, 3};
            Tensor t = Tensor.allocate(arena, DType.F32, dims);
            dims[0] = 99;
            t.shape()[1] = 99;
            assertArrayEquals(new long[] {2, 3}, t.shape());
        }
    }

    @Test
    void allocatedMemoryStartsAtZero() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor t = Tensor.allocate(arena, DType.F64, 4, 4);
            for (double value : t.toDoubleArray()) {
                assertEquals(0.0, value);
            }
        }
    }

    @Test
    void rowSliceIsAViewOfTheSameMemory() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor t = Tensor.of(arena, new float[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, 4, 3);
            Tensor rows = t.rowSlice(1, 3);
            assertArrayEquals(new long[] {2, 3}, rows.shape());
            assertArrayEquals(new float[] {3, 4, 5, 6, 7, 8}, rows.toFloatArray());
            assertEquals(t.segment().address() + 3 * Float.BYTES, rows.segment().address());

            rows.set(0, 2, -1);    // row 1, column 2 of the parent
            assertEquals(-1, t.get(1, 2));
            t.set(2, 0, 42);       // row 1 of the view
            assertEquals(42, rows.get(1, 0));

            rows.zero();
            assertArrayEquals(new float[] {0, 1, 2, 0, 0, 0, 0, 0, 0, 9, 10, 11}, t.toFloatArray());
        }
    }

    @Test
    void rowSliceRejectsEmptyReversedOrOutsideRangesAndVectors() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor t = Tensor.allocate(arena, DType.F32, 4, 3);
            for (long[] range : new long[][] {{2, 2}, {3, 1}, {-1, 2}, {0, 5}}) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> t.rowSlice(range[0], range[1]));
                assertTrue(e.getMessage().contains("(4, 3)"), e.getMessage());
            }
            Tensor v = Tensor.allocate(arena, DType.F32, 5);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> v.rowSlice(0, 1));
            assertTrue(e.getMessage().contains("(5)"), e.getMessage());
        }
    }

    @Test
    void reshapeSharesMemoryAndKeepsTheElementCount() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor t = Tensor.of(arena, new double[] {1, 2, 3, 4, 5, 6}, 2, 3);
            Tensor r = t.reshape(3, 2);
            assertArrayEquals(new long[] {3, 2}, r.shape());
            assertEquals(4, r.get(1, 1));   // flat index 3
            r.set(2, 1, -6);
            assertEquals(-6, t.get(1, 2));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.reshape(4, 2));
            assertTrue(e.getMessage().contains("(2, 3)") && e.getMessage().contains("(4, 2)"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> t.reshape(6, 0));
        }
    }

    @Test
    void fillSetsEveryElementAndZeroClearsThem() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor f = Tensor.allocate(arena, DType.F32, 3, 7).fill(2.5);
            for (float value : f.toFloatArray()) {
                assertEquals(2.5f, value);
            }
            f.zero();
            for (float value : f.toFloatArray()) {
                assertEquals(0f, value);
            }
            Tensor d = Tensor.allocate(arena, DType.F64, 5).fill(-0.0);
            for (double value : d.toDoubleArray()) {
                assertEquals(Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits(value), "-0.0 kept its sign");
            }
            d.fill(Math.PI);
            assertEquals(Math.PI, d.get(4));
        }
    }

    @Test
    void copiesToAndFromArraysAndTensorsRoundTrip() {
        try (Arena arena = Arena.ofConfined()) {
            float[] floats = {1.5f, -2, 3.25f, 1e-7f, Float.MAX_VALUE, -0f};
            Tensor f = Tensor.allocate(arena, DType.F32, 2, 3).copyFrom(floats);
            assertArrayEquals(floats, f.toFloatArray());
            assertEquals(3.25, f.get(0, 2));
            floats[0] = 100; // the tensor holds a copy, not the array
            assertEquals(1.5, f.get(0));

            double[] doubles = {Math.E, -1e300, 4, 0.1};
            Tensor d = Tensor.of(arena, doubles, 4);
            assertArrayEquals(doubles, d.toDoubleArray());

            Tensor copy = Tensor.allocate(arena, DType.F64, 2, 2).copyFrom(d);
            assertArrayEquals(doubles, copy.toDoubleArray());
            d.set(0, 0);
            assertEquals(Math.E, copy.get(0), "copyFrom(Tensor) copies, it does not alias");

            // the stored float is the rounded value
            Tensor rounded = Tensor.allocate(arena, DType.F32, 1);
            rounded.set(0, 0.1);
            assertEquals((double) 0.1f, rounded.get(0));
        }
    }

    @Test
    void copiesRejectWrongLengthsAndDTypesNamingTheShape() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor f = Tensor.allocate(arena, DType.F32, 2, 3);
            Tensor d = Tensor.allocate(arena, DType.F64, 2, 3);
            assertMessageNames(assertThrows(IllegalArgumentException.class, () -> f.copyFrom(new float[5])), "(2, 3)");
            assertMessageNames(assertThrows(IllegalArgumentException.class, () -> f.copyFrom(new double[6])), "F32");
            assertMessageNames(assertThrows(IllegalArgumentException.class, () -> d.copyFrom(new float[6])), "F64");
            assertMessageNames(assertThrows(IllegalArgumentException.class, f::toDoubleArray), "F32");
            assertMessageNames(assertThrows(IllegalArgumentException.class, d::toFloatArray), "F64");
            assertMessageNames(assertThrows(IllegalArgumentException.class, () -> f.copyFrom(d)), "(2, 3)");
            Tensor small = Tensor.allocate(arena, DType.F32, 5);
            assertMessageNames(assertThrows(IllegalArgumentException.class, () -> f.copyFrom(small)), "(5)");
        }
    }

    @Test
    void toStringShowsDTypeShapeAndTheFirstValues() {
        Tensor t;
        try (Arena arena = Arena.ofConfined()) {
            t = Tensor.of(arena, new float[] {1, 2, 3, 4, 5, 6, 7, 8}, 2, 4);
            assertEquals("Tensor[F32 (2, 4): 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, ...]", t.toString());
            assertEquals("Tensor[F64 (2): 0.5, -1.0]", Tensor.of(arena, new double[] {0.5, -1}, 2).toString());
        }
        assertEquals("Tensor[F32 (2, 4), arena closed]", t.toString());
    }

    @Test
    void wrapViewsAnExistingSegmentWithoutCopying() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment raw = arena.allocate(ValueLayout.JAVA_FLOAT, 10);
            raw.setAtIndex(ValueLayout.JAVA_FLOAT, 5, 7f);
            Tensor t = Tensor.wrap(raw, DType.F32, 2, 3);
            assertEquals(7, t.get(1, 2));
            assertEquals(24, t.segment().byteSize(), "the view covers exactly the tensor");
            t.set(0, 9);
            assertEquals(9f, raw.getAtIndex(ValueLayout.JAVA_FLOAT, 0));
        }
    }

    @Test
    void badShapesAndArgumentsAreIllegalArgumentsNamingTheShape() {
        try (Arena arena = Arena.ofConfined()) {
            assertMessageNames(assertThrows(IllegalArgumentException.class,
                    () -> Tensor.allocate(arena, DType.F32, 0, 3)), "(0, 3)");
            assertMessageNames(assertThrows(IllegalArgumentException.class,
                    () -> Tensor.allocate(arena, DType.F32, 4, -2)), "(4, -2)");
            assertMessageNames(assertThrows(IllegalArgumentException.class,
                    () -> Tensor.allocate(arena, DType.F32)), "()");
            assertMessageNames(assertThrows(IllegalArgumentException.class,
                    () -> Tensor.allocate(arena, DType.F64, Long.MAX_VALUE, 2)), "9223372036854775807");
            assertMessageNames(assertThrows(IllegalArgumentException.class,
                    () -> Tensor.allocate(arena, DType.F64, Long.MAX_VALUE / 4)), "more bytes than a long can count");
            // Elements fit a long, bytes do not: an unchecked product wrapped to 64 and gemm then read far outside.
            assertMessageNames(assertThrows(IllegalArgumentException.class,
                    () -> Tensor.wrap(arena.allocate(64), DType.F64, 2147352580L, 1073807362L)),
                    "(2147352580, 1073807362)");
            assertThrows(IllegalArgumentException.class, () -> Tensor.allocate(null, DType.F32, 2));
            assertThrows(IllegalArgumentException.class, () -> Tensor.allocate(arena, null, 2));
            assertThrows(IllegalArgumentException.class, () -> Tensor.allocate(arena, DType.F32, (long[]) null));
            assertThrows(IllegalArgumentException.class, () -> Tensor.wrap(null, DType.F32, 2));
            assertMessageNames(assertThrows(IllegalArgumentException.class,
                    () -> Tensor.wrap(arena.allocate(8), DType.F32, 3)), "(3)");
        }
    }

    @Test
    void rowAndColumnAreCheckedNotFoldedIntoAFlatIndex() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor t = Tensor.of(arena, new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
            assertEquals(6, t.get(1, 2));
            // (0, 3) would be (1, 0) and (1, -1) would be (0, 2): another row's element, silently.
            for (long[] at : new long[][] {{0, 3}, {1, -1}, {2, 0}, {-1, 1}}) {
                IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> t.get(at[0], at[1]));
                assertTrue(e.getMessage().contains("(" + at[0] + ", " + at[1] + ")")
                        && e.getMessage().contains("2 rows and 3 columns"), e.getMessage());
                assertThrows(IndexOutOfBoundsException.class, () -> t.set(at[0], at[1], 99));
            }
            assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, t.toFloatArray(), "nothing was written");
        }
    }

    /** A flat index out of range is named with the tensor's size and shape, and nothing is written. */
    @Test
    void aFlatIndexIsCheckedAgainstTheTensor() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment block = arena.allocate(4L * 8, 4);
            Tensor view = Tensor.wrap(block, DType.F32, 2, 3);   // 6 of the block's 8 floats
            for (long at : new long[] {-1, 6, 7}) {
                IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> view.get(at));
                assertEquals("element " + at + " of a tensor of 6 elements (2, 3)", e.getMessage());
                assertThrows(IndexOutOfBoundsException.class, () -> view.set(at, 1));
            }
            assertEquals(0f, block.getAtIndex(ValueLayout.JAVA_FLOAT, 7), "nothing was written past the tensor");
        }
    }

    @Test
    void useAfterTheArenaClosesIsAnIllegalState() {
        Tensor t;
        try (Arena arena = Arena.ofConfined()) {
            t = Tensor.allocate(arena, DType.F32, 2, 2);
            assertTrue(t.isAlive());
        }
        assertFalse(t.isAlive());
        assertThrows(IllegalStateException.class, () -> t.get(0));
        assertThrows(IllegalStateException.class, () -> t.set(0, 1));
        assertThrows(IllegalStateException.class, t::toFloatArray);
        assertThrows(IllegalStateException.class, () -> t.fill(3));
    }

    private static void assertMessageNames(Exception e, String expected) {
        assertTrue(e.getMessage().contains(expected), "message '" + e.getMessage() + "' should name " + expected);
    }
}
