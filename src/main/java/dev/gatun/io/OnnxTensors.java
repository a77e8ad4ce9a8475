package dev.gatun.io;

import ai.onnx.proto.OnnxMl.TensorProto;
import com.google.protobuf.ByteString;
import dev.gatun.tensor.Shapes;
import dev.gatun.tensor.Tensor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;

/**
 * ONNX tensors (initialisers, Constant values) to and from plain arrays. Reading checks a tensor completely before
 * allocating for it: dense float32 or float64 data held in the file (not external, not segmented), a non-negative
 * shape whose element count matches the data actually present, finite values. So a declared shape of a trillion
 * elements over a few bytes of data is refused, never allocated.
 */
final class OnnxTensors {
    private OnnxTensors() {}

    /** A tensor read from the file: its shape and its values, converted to double. */
    record Values(String name, long[] shape, double[] values) {
        int rank() {
            return shape.length;
        }

        String describe() {
            return FileText.quote(name) + " " + Shapes.format(shape);
        }
    }

    /** A model tensor as a float32 initialiser (float64 tensors are rounded), its data little-endian in raw_data. */
    static TensorProto float32(String name, Tensor t) {
        float[] values = new float[Math.toIntExact(t.size())];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) t.get(i);
        }
        return float32(name, values, t.shape());
    }

    static TensorProto float32(String name, float[] values, long... shape) {
        ByteBuffer bytes = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(values);
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE)
                .setRawData(ByteString.copyFrom(bytes.array()));
        for (long d : shape) {
            t.addDims(d);
        }
        return t.build();
    }

    /**
     * The transpose of a rank-2 tensor, in its own element type (float32 stays exact, float64 stays float64):
     * exporters write {@code Transpose(W)} before a {@code MatMul} where others store Wᵀ.
     */
    static TensorProto transposed(String name, TensorProto t, Values values) {
        int rows = (int) values.shape()[0];
        int cols = (int) values.shape()[1];
        TensorProto.Builder out = TensorProto.newBuilder().setName(name).setDataType(t.getDataType()).addDims(cols)
                .addDims(rows);
        boolean float32 = t.getDataType() == TensorProto.DataType.FLOAT_VALUE;
        for (int c = 0; c < cols; c++) {
            for (int r = 0; r < rows; r++) {
                double v = values.values()[r * cols + c];
                if (float32) {
                    out.addFloatData((float) v);   // read from float32: exact
                } else {
                    out.addDoubleData(v);
                }
            }
        }
        return out.build();
    }

    /** The values of {@code t}, checked; {@code what} says where it comes from ("initialiser", "Constant node ..."). */
    static Values read(Path file, String what, TensorProto t) throws ModelFormatException {
        String name = what + " " + FileText.quote(t.getName());
        if (t.getDataLocation() == TensorProto.DataLocation.EXTERNAL || t.getExternalDataCount() > 0) {
            throw new ModelFormatException(file, name + " keeps its data in an external file, which is not supported");
        }
        if (t.hasSegment()) {
            throw new ModelFormatException(file, name + " is a segment of a larger tensor, which is not supported");
        }
        int type = t.getDataType();
        int width = switch (type) {
            case TensorProto.DataType.FLOAT_VALUE -> 4;
            case TensorProto.DataType.DOUBLE_VALUE -> 8;
            default -> throw new ModelFormatException(file, name + " has data type " + typeName(type)
                    + "; only FLOAT (float32) and DOUBLE (float64) tensors are supported");
        };
        long[] shape = new long[t.getDimsCount()];
        long count = 1;
        for (int k = 0; k < shape.length; k++) {
            shape[k] = t.getDims(k);
            if (shape[k] < 0) {
                throw new ModelFormatException(file, name + " has a negative dimension " + shape[k]);
            }
            count = saturatingMultiply(count, shape[k]);
        }
        ByteString raw = t.getRawData();
        long present = !raw.isEmpty() ? raw.size() / width
                : type == TensorProto.DataType.FLOAT_VALUE ? t.getFloatDataCount() : t.getDoubleDataCount();
        if ((!raw.isEmpty() && raw.size() % width != 0) || present != count) {
            throw new ModelFormatException(file, name + " declares shape " + Shapes.format(shape) + " (" + count
                    + " values) but holds " + (raw.isEmpty() ? present + " values" : raw.size() + " bytes of raw data"));
        }
        double[] values = new double[(int) count]; // count == present, which the file's own size bounds
        if (!raw.isEmpty()) {
            ByteBuffer bytes = raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < values.length; i++) {
                values[i] = width == 4 ? bytes.getFloat(4 * i) : bytes.getDouble(8 * i);
            }
        } else {
            for (int i = 0; i < values.length; i++) {
                values[i] = width == 4 ? t.getFloatData(i) : t.getDoubleData(i);
            }
        }
        for (int i = 0; i < values.length; i++) {
            if (!Double.isFinite(values[i])) {
                throw new ModelFormatException(file, name + " element " + i + " is " + values[i]
                        + ", expected a finite value");
            }
        }
        return new Values(t.getName(), shape, values);
    }

    static String typeName(int type) {
        TensorProto.DataType known = TensorProto.DataType.forNumber(type);
        return known == null ? "code " + type : known.name();
    }

    private static long saturatingMultiply(long a, long b) {
        long high = Math.multiplyHigh(a, b);
        return high != 0 || a * b < 0 ? Long.MAX_VALUE : a * b;
    }
}
