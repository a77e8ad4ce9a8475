package dev.gatun.serve;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WarmUpTest {
    @Test
    void warmUpRowsNormaliseToASpreadOfSignedValuesNotAConstant() {
        float[] scale = {1 / 255f, 0.5f, 0f, 2f};
        float[] shift = {0f, -3f, 7f, 1f};
        for (int r = 0; r < 4; r++) {
            float[] row = WarmUp.row(r, scale, shift);
            for (int j = 0; j < row.length; j++) {
                float z = (((j * 7 + r * 13) % 31) - 15) / 10f;
                float normalised = scale[j] != 0 ? row[j] * scale[j] + shift[j] : row[j];
                assertEquals(z, normalised, 1e-4f, "row " + r + " feature " + j);
            }
        }
        boolean positive = false;
        boolean negative = false;
        float[] wide = WarmUp.row(0, filled(784, 1 / 255f), new float[784]);
        for (float x : wide) {
            positive |= x > 0;
            negative |= x < 0;
        }
        assertTrue(positive && negative, "a wide row holds both signs after normalisation");
        assertFalse(Arrays.equals(WarmUp.row(0, scale, shift), WarmUp.row(1, scale, shift)), "rows differ");
    }

    private static float[] filled(int n, float v) {
        float[] a = new float[n];
        Arrays.fill(a, v);
        return a;
    }
}
