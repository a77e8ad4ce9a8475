package dev.gatun.io;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * Whether ONNX files can be read and written here: the ONNX protobuf classes come from Tribuo's
 * {@code tribuo-util-onnx} on protobuf-java, optional dependencies a service may leave out. This class names none of
 * their types, so it loads without them; the classes that do ({@link OnnxWriter}, {@link OnnxReader},
 * {@link OnnxTensors}) are reached only after {@link #require} has passed.
 */
final class OnnxSupport {
    /** The file name ending that {@link ModelIo#load} and {@code Predictor.load} read as ONNX when the content cannot tell. */
    static final String EXTENSION = ".onnx";
    private static final String[] REQUIRED = {"ai.onnx.proto.OnnxMl", "com.google.protobuf.ByteString"};

    private OnnxSupport() {}

    /**
     * Whether to read {@code file} as ONNX, by its first bytes: a Gatun model file starts with "GATUNMDL", an ONNX
     * ModelProto with its ir_version field (byte 0x08). A name is only a fallback, for a file too short or unreadable
     * to tell (the reader then says what is wrong): {@code train --out m.onnx} writes Gatun's format, and a user may
     * name an ONNX export anything.
     */
    static boolean isOnnx(Path file) {
        byte[] head = ModelFile.head(file);
        if (Arrays.equals(head, ModelFile.MAGIC)) {
            return false;
        }
        if (head.length > 0 && head[0] == ONNX_FIRST_BYTE) {
            return true;
        }
        Path name = file.getFileName();
        return name != null && name.toString().toLowerCase(Locale.ROOT).endsWith(EXTENSION);
    }

    /** Field 1 (ir_version), wire type 0 (varint): the first byte of every ModelProto that ONNX's tools write. */
    private static final byte ONNX_FIRST_BYTE = 0x08;

    /** Throws IllegalStateException naming what to add when the ONNX classes cannot be loaded; {@code what} says who needs them. */
    static void require(String what) {
        for (String name : REQUIRED) {
            try {
                Class.forName(name, false, OnnxSupport.class.getClassLoader());
            } catch (ClassNotFoundException | LinkageError e) {
                throw new IllegalStateException(what + " needs the ONNX classes (" + name + " is missing): add "
                        + "org.tribuo:tribuo-util-onnx and protobuf-java, optional dependencies of Gatun, to the class "
                        + "path (on the module path: --add-modules org.tribuo.util.onnx)");
            }
        }
    }
}
