#!/usr/bin/python3
"""PyTorch peer: 784-256-128-10, ReLU, softmax cross-entropy, He init, Adam 1e-3, CPU eager mode.

Written the way a PyTorch user would write it: nn.Sequential of nn.Linear, nn.CrossEntropyLoss (fused
log-softmax + NLL), torch.optim.Adam, batches gathered from a uint8 tensor and scaled to [0, 1] per batch.
Usage: /usr/bin/python3 torch_mlp.py --mode train|accuracy|infer [--batch B --threads T ...]; see peer_cli.
"""
import contextlib
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import peer_cli  # noqa: E402

peer_cli.pin_threads()

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

LAYERS = (784, 256, 128, 10)


class TorchMLP:
    def __init__(self, threads, seed):
        torch.set_num_threads(threads)
        with contextlib.suppress(RuntimeError):  # eager mode runs one op at a time: no inter-op pool needed
            torch.set_num_interop_threads(1)
        torch.manual_seed(seed)
        modules = []
        for n_prev, n in zip(LAYERS, LAYERS[1:]):
            linear = nn.Linear(n_prev, n)
            nn.init.kaiming_normal_(linear.weight, mode="fan_in", nonlinearity="relu")  # He: N(0, 2/n_prev)
            nn.init.zeros_(linear.bias)
            modules += [linear, nn.ReLU()]
        self.model = nn.Sequential(*modules[:-1])  # no ReLU after the output layer: the loss takes logits
        self.loss = nn.CrossEntropyLoss()
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-8)
        self.generator = torch.Generator().manual_seed(seed)

    def train_epoch(self, images, labels, batch):
        X, Y = torch.from_numpy(images), torch.from_numpy(labels)
        n = len(Y)
        order = torch.randperm(n, generator=self.generator)
        self.model.train()
        total = 0.0
        for start in range(0, n, batch):
            idx = order[start:start + batch]
            x = X.index_select(0, idx).to(torch.float32).mul_(1.0 / 255.0)
            y = Y.index_select(0, idx)
            self.optimizer.zero_grad(set_to_none=True)
            loss = self.loss(self.model(x), y)
            loss.backward()
            self.optimizer.step()
            total += loss.item() * len(idx)
        return total / n

    def predict_classes(self, images):
        self.model.eval()
        with torch.inference_mode():
            x = torch.from_numpy(images).to(torch.float32).mul_(1.0 / 255.0)
            return torch.cat([self.model(chunk).argmax(1) for chunk in x.split(1000)]).numpy()

    def prepare(self, rows):
        return torch.from_numpy(np.ascontiguousarray(rows))

    def inference_context(self):
        self.model.eval()
        return torch.inference_mode()

    def infer(self, x):
        return torch.softmax(self.model(x.mul(1.0 / 255.0)), dim=1)

    def versions(self):
        return {"torch": torch.__version__, "numpy": np.__version__,
                "torch_threads": torch.get_num_threads(), "torch_interop_threads": torch.get_num_interop_threads()}


if __name__ == "__main__":
    peer_cli.main(TorchMLP, "pytorch")
