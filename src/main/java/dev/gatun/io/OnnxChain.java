package dev.gatun.io;

import ai.onnx.proto.OnnxMl.NodeProto;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The nodes of a graph as the one chain a layered network is: from the data input, each tensor feeds exactly one
 * node, which reads it and constants only, until the graph output. Walked from the input, not trusted to be in
 * order; a tensor nothing provides, a branch, a node visited twice (a cycle) or a node off the path is refused with
 * the node's name, so a malformed graph can neither loop nor be half read.
 */
final class OnnxChain {
    private OnnxChain() {}

    static List<NodeProto> of(Path file, String input, String output, List<NodeProto> nodes, Set<String> constants)
            throws ModelFormatException {
        Set<String> provided = new HashSet<>(constants);
        provided.add(input);
        for (NodeProto node : nodes) {
            provided.addAll(node.getOutputList());
        }
        Map<String, List<NodeProto>> consumers = new HashMap<>();
        for (NodeProto node : nodes) {
            String data = null;
            for (String in : node.getInputList()) {
                if (in.isEmpty() || constants.contains(in)) {
                    continue; // an omitted optional input, or a constant operand
                }
                if (!provided.contains(in)) {
                    throw new ModelFormatException(file, OnnxReader.where(node) + " reads " + FileText.quote(in) + ", which no "
                            + "initialiser, Constant node, other node or graph input provides");
                }
                if (data != null && !data.equals(in)) {
                    throw new ModelFormatException(file, OnnxReader.where(node) + " reads two computed tensors ("
                            + FileText.quote(data) + " and " + FileText.quote(in) + "); only a chain of layers is supported");
                }
                data = in;
            }
            if (data == null) {
                throw new ModelFormatException(file, OnnxReader.where(node) + " reads only constants; every node "
                        + "must take the previous layer's output");
            }
            consumers.computeIfAbsent(data, k -> new ArrayList<>()).add(node);
        }
        List<NodeProto> chain = new ArrayList<>();
        Set<NodeProto> visited = Collections.newSetFromMap(new IdentityHashMap<>());
        String current = input;
        while (!current.equals(output)) {
            List<NodeProto> next = consumers.getOrDefault(current, List.of());
            if (next.size() != 1) {
                throw new ModelFormatException(file, "tensor " + FileText.quote(current) + " feeds " + next.size() + " nodes "
                        + next.stream().map(OnnxReader::where).toList() + "; a chain of layers from the input to the "
                        + "output " + FileText.quote(output) + " is supported");
            }
            NodeProto node = next.getFirst();
            if (!visited.add(node)) {
                throw new ModelFormatException(file, "the graph has a cycle through " + OnnxReader.where(node));
            }
            chain.add(node);
            if (node.getOutputCount() == 0) {
                throw new ModelFormatException(file, OnnxReader.where(node) + " has no output");
            }
            current = node.getOutput(0);
        }
        if (chain.size() != nodes.size()) {
            NodeProto stray = nodes.stream().filter(n -> !visited.contains(n)).findFirst().orElseThrow();
            throw new ModelFormatException(file, OnnxReader.where(stray) + " is not on the path from the input to the "
                    + "output");
        }
        return chain;
    }
}
