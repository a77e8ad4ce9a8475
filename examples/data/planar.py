"""Writes planar.csv: the course's 2-D "flower" of 400 points, two classes in interleaved petals.

The points are those of the course's planar data set generator (numpy seed 1): class j's points lie on the rose
r = 4·sin(4t) for t in [3.12·j, 3.12·(j + 1)], with Gaussian noise (σ 0.2) on the angle and the radius. No straight
line separates the classes (logistic regression gets about half right); a shallow tanh network bends around the
petals. Run from this directory: python3 planar.py
"""
import numpy as np

np.random.seed(1)
m, petals = 400, 4
n = m // 2
x = np.zeros((m, 2))
y = np.zeros(m, dtype=int)
for j in range(2):
    ix = range(n * j, n * (j + 1))
    t = np.linspace(j * 3.12, (j + 1) * 3.12, n) + np.random.randn(n) * 0.2
    r = petals * np.sin(4 * t) + np.random.randn(n) * 0.2
    x[ix] = np.c_[r * np.sin(t), r * np.cos(t)]
    y[ix] = j
with open("planar.csv", "w") as out:
    out.write("x1,x2,label\n")
    for (a, b), label in zip(x, y):
        out.write(f"{a:.6f},{b:.6f},{label}\n")
