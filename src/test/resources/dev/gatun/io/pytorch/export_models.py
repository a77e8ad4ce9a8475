"""Writes the PyTorch-exported ONNX files Gatun's import tests read, with PyTorch's own outputs for fixed inputs.

Run from this folder with a Python that has torch (Debian: apt-get install python3-torch; /usr/bin/python3):
    /usr/bin/python3 export_models.py
It writes NAME.onnx (torch.onnx.export of a small nn.Sequential in eval mode) and NAME.expected.csv for each
model below: one line per input row, 'input' then its values, followed by one line 'output' then what PyTorch
computes for that row (for LogSoftmax models the probabilities, exp of its outputs, which is what Gatun returns).
The weights, batch-norm statistics and inputs come from a fixed seed, so a rerun writes the same numbers.
"""
import math

import torch
from torch import nn

ROWS = 6


def randomize(model, generator):
    """Every parameter and batch-norm statistic drawn from the seed, variances away from 1 so batch norm matters."""
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, nn.Linear):
                module.weight.uniform_(-0.6, 0.6, generator=generator)
                module.bias.uniform_(-0.4, 0.4, generator=generator)
            if isinstance(module, nn.BatchNorm1d):
                module.weight.uniform_(0.5, 1.5, generator=generator)
                module.bias.uniform_(-0.5, 0.5, generator=generator)
                module.running_mean.uniform_(-1.0, 1.0, generator=generator)
                module.running_var.uniform_(0.2, 2.5, generator=generator)


def export(name, model, input_shape, opset, dtype=torch.float32, probabilities=lambda y: y):
    generator = torch.Generator().manual_seed(sum(map(ord, name)))
    randomize(model, generator)
    model = model.to(dtype).eval()
    x = (torch.rand((ROWS,) + input_shape, generator=generator, dtype=torch.float64) * 4 - 2).to(dtype)
    torch.onnx.export(model, x, name + ".onnx", input_names=["x"], output_names=["y"], opset_version=opset,
                      dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}})
    with torch.no_grad():
        y = probabilities(model(x).to(torch.float64))
    with open(name + ".expected.csv", "w") as out:
        for row in range(ROWS):
            out.write("input," + ",".join(repr(float(v)) for v in x[row].reshape(-1)) + "\n")
            out.write("output," + ",".join(repr(float(v)) for v in y[row]) + "\n")


torch.manual_seed(0)
# Every activation, batch norm between a Linear and its activation, a softmax output; Gemm nodes, opset 13.
export("mlp_softmax_opset13", nn.Sequential(
    nn.Linear(12, 16), nn.ReLU(),
    nn.Linear(16, 10), nn.BatchNorm1d(10), nn.Tanh(),
    nn.Linear(10, 8), nn.LeakyReLU(),
    nn.Linear(8, 6), nn.Sigmoid(),
    nn.Linear(6, 4), nn.Softmax(dim=1)), (12,), 13)
# Batch norm after the activation (folded into the next layer), LogSoftmax, float64 weights, opset 17.
export("mlp_logsoftmax_float64_opset17", nn.Sequential(
    nn.Linear(9, 12), nn.ReLU(), nn.BatchNorm1d(12),
    nn.Linear(12, 7), nn.Tanh(),
    nn.Linear(7, 3), nn.LogSoftmax(dim=1)), (9,), 17, dtype=torch.float64,
    probabilities=lambda y: torch.exp(y))
# Images flattened first, a regression output (no final activation), opset 15.
export("flatten_regression_opset15", nn.Sequential(
    nn.Flatten(), nn.Linear(12, 8), nn.LeakyReLU(), nn.Linear(8, 2)), (1, 4, 3), 15)
# One sigmoid output: a binary classifier, opset 14.
export("binary_sigmoid_opset14", nn.Sequential(
    nn.Linear(5, 6), nn.Tanh(), nn.BatchNorm1d(6), nn.Linear(6, 1), nn.Sigmoid()), (5,), 14)
print("torch", torch.__version__, "wrote", ", ".join(
    n for n in ["mlp_softmax_opset13", "mlp_logsoftmax_float64_opset17", "flatten_regression_opset15",
                "binary_sigmoid_opset14"]))
