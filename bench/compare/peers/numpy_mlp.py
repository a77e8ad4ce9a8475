#!/usr/bin/python3
"""NumPy peer, written the way the course writes it: X is (n_x, m) with one sample per column, the L-layer
forward/backward loops with caches, one-hot Y of shape (10, m), mini-batches from a per-epoch shuffle, and
Adam with bias correction (v, s per parameter; t counts steps). Float32 throughout, like the other engines
(the course's code would default to float64, which halves the sgemm speed and proves nothing).

NumPy's matrix products go to the system OpenBLAS; its thread count is OPENBLAS_NUM_THREADS, which must be
set before the interpreter starts (peer_cli.pin_threads restarts it with the right value if it is not).
Usage: /usr/bin/python3 numpy_mlp.py --mode train|accuracy|infer [--batch B --threads T ...]; see peer_cli.
"""
import contextlib
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import peer_cli  # noqa: E402

peer_cli.pin_threads()

import numpy as np  # noqa: E402

LAYERS = (784, 256, 128, 10)
BETA1, BETA2, EPSILON, LEARNING_RATE = 0.9, 0.999, 1e-8, 1e-3


class NumpyMLP:
    def __init__(self, threads, seed):
        self.rng = np.random.default_rng(seed)
        self.L = len(LAYERS) - 1
        self.parameters = {}
        for l in range(1, self.L + 1):  # He: W[l] ~ N(0, 2/n[l-1]), b[l] = 0
            self.parameters["W" + str(l)] = (self.rng.standard_normal((LAYERS[l], LAYERS[l - 1]), dtype=np.float32)
                                             * np.float32(np.sqrt(2.0 / LAYERS[l - 1])))
            self.parameters["b" + str(l)] = np.zeros((LAYERS[l], 1), dtype=np.float32)
        self.v = {key: np.zeros_like(value) for key, value in self.parameters.items()}
        self.s = {key: np.zeros_like(value) for key, value in self.parameters.items()}
        self.t = 0

    def forward(self, X):
        caches = []
        A = X
        for l in range(1, self.L + 1):
            A_prev = A
            Z = self.parameters["W" + str(l)] @ A_prev + self.parameters["b" + str(l)]
            A = np.maximum(Z, 0) if l < self.L else Z
            caches.append((A_prev, Z))
        return A, caches

    @staticmethod
    def log_softmax(Z):
        shifted = Z - Z.max(axis=0, keepdims=True)
        return shifted - np.log(np.exp(shifted).sum(axis=0, keepdims=True))

    def backward(self, ZL, Y, caches):
        m = Y.shape[1]
        grads = {}
        dZ = np.exp(self.log_softmax(ZL)) - Y  # softmax + cross-entropy: dZ[L] = AL - Y
        for l in range(self.L, 0, -1):
            A_prev, _ = caches[l - 1]
            grads["W" + str(l)] = (dZ @ A_prev.T) / m
            grads["b" + str(l)] = dZ.sum(axis=1, keepdims=True) / m
            if l > 1:
                dA_prev = self.parameters["W" + str(l)].T @ dZ
                dZ = dA_prev * (caches[l - 2][1] > 0)
        return grads

    def update_adam(self, grads):
        self.t += 1
        for key, P in self.parameters.items():
            self.v[key] = BETA1 * self.v[key] + (1 - BETA1) * grads[key]
            self.s[key] = BETA2 * self.s[key] + (1 - BETA2) * grads[key] ** 2
            v_hat = self.v[key] / (1 - BETA1 ** self.t)
            s_hat = self.s[key] / (1 - BETA2 ** self.t)
            P -= LEARNING_RATE * v_hat / (np.sqrt(s_hat) + EPSILON)

    def train_epoch(self, images, labels, batch):
        n = len(labels)
        permutation = self.rng.permutation(n)
        shuffled_X = images[permutation]  # rows here: the file holds one sample per row
        shuffled_Y = np.eye(LAYERS[-1], dtype=np.float32)[labels[permutation]]
        total = 0.0
        for k in range(0, n, batch):
            X = shuffled_X[k:k + batch].T.astype(np.float32) / 255.0  # (784, m): one sample per column
            Y = shuffled_Y[k:k + batch].T  # (10, m)
            ZL, caches = self.forward(X)
            cost = -np.sum(Y * self.log_softmax(ZL)) / Y.shape[1]
            self.update_adam(self.backward(ZL, Y, caches))
            total += float(cost) * Y.shape[1]
        return total / n

    def predict_classes(self, images):
        X = images.T.astype(np.float32) / 255.0
        return self.forward(X)[0].argmax(axis=0)

    def prepare(self, rows):
        return np.ascontiguousarray(rows.T)  # (784, m)

    def inference_context(self):
        return contextlib.nullcontext()

    def infer(self, X):
        ZL, _ = self.forward(X * np.float32(1.0 / 255.0))
        return np.exp(self.log_softmax(ZL))

    def versions(self):
        return {"numpy": np.__version__}


if __name__ == "__main__":
    peer_cli.main(NumpyMLP, "numpy")
