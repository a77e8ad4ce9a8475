package dev.gatun.io;

import dev.gatun.tensor.DType;
import dev.gatun.tensor.Shapes;
import dev.gatun.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A section payload holding named tensors as little-endian float32:
 * {@code u32 count, then per tensor: u16 name length | UTF-8 name | u8 rank | u64 dims... | float32 data}.
 * Decoding checks every name, rank and shape against the bytes left before it allocates the values.
 */
final class TensorTable {
    static final int MAX_RANK = 8;
    static final int MAX_NAME_BYTES = 256;
    private static final ValueLayout.OfFloat LITTLE_ENDIAN_FLOAT =
            ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private TensorTable() {}

    /** A decoded tensor: values still on the heap, to be copied into a Tensor of the model that owns it. */
    record Entry(String name, long[] shape, float[] values) {}

    static byte[] encode(Map<String, Tensor> tensors) {
        long bytes = 4;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            bytes += 2 + e.getKey().getBytes(StandardCharsets.UTF_8).length + 1 + 8L * e.getValue().rank()
                    + 4 * e.getValue().size();
        }
        // A section is one array, as the file is read back whole: beyond that, Math.toIntExact said only
        // "integer overflow" (an Adam checkpoint's state passes 2 GiB at about 268 M parameters).
        if (bytes > ModelFile.MAX_FILE_BYTES) {
            throw new IllegalArgumentException("tensors " + tensors.keySet() + " come to " + bytes + " bytes as float32;"
                    + " a Gatun model file holds at most " + ModelFile.MAX_FILE_BYTES + " bytes (export to ONNX is"
                    + " limited to 2 GiB as well)");
        }
        ByteBuffer out = ByteBuffer.allocate((int) bytes).order(ByteOrder.LITTLE_ENDIAN);
        out.putInt(tensors.size());
        tensors.forEach((name, t) -> {
            byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
            if (nameBytes.length == 0 || nameBytes.length > MAX_NAME_BYTES) {
                throw new IllegalArgumentException("tensor name '" + name + "' must be 1.." + MAX_NAME_BYTES + " bytes");
            }
            out.putShort((short) nameBytes.length).put(nameBytes).put((byte) t.rank());
            for (long d : t.shape()) {
                out.putLong(d);
            }
            putValues(out, t);
        });
        return out.array();
    }

    /**
     * {@code t}'s values as little-endian float32 at {@code out}'s position, which moves past them. A float32 tensor
     * is one bulk copy: a checkpoint writes the model and its optimizer state every epoch, and element by element
     * that was a loop through the accessors of every value.
     */
    private static void putValues(ByteBuffer out, Tensor t) {
        if (t.dtype() == DType.F32) {
            MemorySegment.copy(t.segment(), ValueLayout.JAVA_FLOAT, 0, MemorySegment.ofArray(out.array()),
                    LITTLE_ENDIAN_FLOAT, out.arrayOffset() + out.position(), t.size());
            out.position(Math.toIntExact(out.position() + 4 * t.size()));
        } else {
            for (long i = 0; i < t.size(); i++) {
                out.putFloat((float) t.get(i));
            }
        }
    }

    static List<Entry> decode(Path file, String tag, byte[] payload) throws ModelFormatException {
        ByteBuffer in = ByteBuffer.wrap(payload).order(ByteOrder.LITTLE_ENDIAN);
        String where = "section " + tag;
        need(file, where, in, 4, "the tensor count");
        int count = in.getInt();
        // Each tensor needs at least name length, one name byte, rank and one dimension: bounds the count.
        if (count < 0 || (long) count * 12 > in.remaining()) {
            throw new ModelFormatException(file, where + ": tensor count " + Integer.toUnsignedString(count)
                    + " cannot fit in " + in.remaining() + " bytes");
        }
        List<Entry> entries = new ArrayList<>(count);
        Set<String> names = new HashSet<>();
        for (int i = 0; i < count; i++) {
            String at = where + ", tensor " + i;
            need(file, at, in, 2, "the name length");
            int nameLength = Short.toUnsignedInt(in.getShort());
            if (nameLength == 0 || nameLength > MAX_NAME_BYTES) {
                throw new ModelFormatException(file, at + ": name length " + nameLength + " is outside 1.." + MAX_NAME_BYTES);
            }
            need(file, at, in, nameLength + 1, "the name and rank");
            byte[] nameBytes = new byte[nameLength];
            in.get(nameBytes);
            String name = new String(nameBytes, StandardCharsets.UTF_8);
            int rank = Byte.toUnsignedInt(in.get());
            if (rank < 1 || rank > MAX_RANK) {
                throw new ModelFormatException(file, at + " (" + FileText.quote(name) + "): rank " + rank + " is outside 1.." + MAX_RANK);
            }
            need(file, at, in, 8L * rank, "the shape");
            long[] shape = new long[rank];
            long elements = 1;
            for (int d = 0; d < rank; d++) {
                shape[d] = in.getLong();
                if (shape[d] <= 0) {
                    throw new ModelFormatException(file, at + " (" + FileText.quote(name) + "): dimension " + d + " is " + shape[d]
                            + ", not a positive size");
                }
                // Saturate instead of overflowing: anything past the bytes left is rejected below anyway.
                elements = elements > in.remaining() || shape[d] > in.remaining() ? Long.MAX_VALUE : elements * shape[d];
            }
            if (elements > in.remaining() / 4) {
                throw new ModelFormatException(file, at + " (" + FileText.quote(name) + "): shape " + Shapes.format(shape)
                        + " needs more float32 values than the " + in.remaining() + " bytes left can hold");
            }
            if (!names.add(name)) {
                throw new ModelFormatException(file, at + ": tensor name " + FileText.quote(name) + " appears twice");
            }
            float[] values = new float[(int) elements];
            in.asFloatBuffer().get(values);
            in.position(in.position() + 4 * (int) elements);
            entries.add(new Entry(name, shape, values));
        }
        if (in.hasRemaining()) {
            throw new ModelFormatException(file, where + ": " + in.remaining() + " unexpected bytes after the last tensor");
        }
        return entries;
    }

    private static void need(Path file, String where, ByteBuffer in, long bytes, String what) throws ModelFormatException {
        if (in.remaining() < bytes) {
            throw new ModelFormatException(file, where + ": " + what + " is cut off (" + bytes + " bytes needed, "
                    + in.remaining() + " left)");
        }
    }

    /** Decoded entries by name, for loaders that look tensors up by the model's parameter names. */
    static Map<String, Entry> byName(List<Entry> entries) {
        Map<String, Entry> map = new LinkedHashMap<>();
        entries.forEach(e -> map.put(e.name(), e));
        return map;
    }

    /** Copies a decoded entry into {@code target}, checking the shape first. */
    static void copyInto(Path file, Entry entry, Tensor target) throws ModelFormatException {
        if (!java.util.Arrays.equals(entry.shape(), target.shape())) {
            throw new ModelFormatException(file, "tensor " + entry.name() + " has shape " + Shapes.format(entry.shape())
                    + " but the architecture needs " + target.shapeString());
        }
        if (target.dtype() == DType.F32) {
            MemorySegment.copy(entry.values(), 0, target.segment(), ValueLayout.JAVA_FLOAT, 0, entry.values().length);
        } else {
            for (int i = 0; i < entry.values().length; i++) {
                target.set(i, entry.values()[i]);
            }
        }
    }
}
