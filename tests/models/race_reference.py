"""The optimizers' update rules on the race's quadratic as REFERENCE.md writes them (numpy)."""

from __future__ import annotations

from typing import Any

import numpy as np

KAPPA = 10.0
START = (-1.8, 1.2)
STEPS = 60


def grad(theta: np.ndarray) -> np.ndarray:
    """Gradient of f = (x^2 + kappa y^2) / 2."""
    return theta * np.array([1.0, KAPPA])


def reference(name: str, hp: dict[str, Any], steps: int) -> np.ndarray:
    """Each update rule as REFERENCE.md writes it, in float64 numpy."""
    theta = np.array(START)
    lr, wd = hp.get("lr", 0.01), hp.get("weight_decay", 0.0)
    mu, nesterov = hp.get("momentum", 0.0), hp.get("nesterov", False)
    b1, b2, eps, alpha = (
        hp.get("beta1", 0.9),
        hp.get("beta2", 0.999),
        hp.get("eps", 1e-8),
        hp.get("alpha", 0.99),
    )
    buf = m = v = None
    out = [theta.copy()]
    for k in range(1, steps + 1):
        g = grad(theta)
        if name == "sgd":
            g = g + wd * theta
            if mu > 0:
                buf = g.copy() if buf is None else mu * buf + g
                g = g + mu * buf if nesterov else buf
            theta = theta - lr * g
        elif name == "rmsprop":
            g = g + wd * theta
            v = (1 - alpha) * g**2 if v is None else alpha * v + (1 - alpha) * g**2
            if mu > 0:
                buf = g / (np.sqrt(v) + eps) if buf is None else mu * buf + g / (np.sqrt(v) + eps)
                theta = theta - lr * buf
            else:
                theta = theta - lr * g / (np.sqrt(v) + eps)
        elif name in ("adam", "adamw"):
            if name == "adamw":
                theta = theta * (1 - lr * wd)
            else:
                g = g + wd * theta
            m = (1 - b1) * g if m is None else b1 * m + (1 - b1) * g
            v = (1 - b2) * g**2 if v is None else b2 * v + (1 - b2) * g**2
            m_hat, v_hat = m / (1 - b1**k), v / (1 - b2**k)
            theta = theta - lr * m_hat / (np.sqrt(v_hat) + eps)
        out.append(theta.copy())
    return np.array(out)


RACERS = [
    ("sgd", {"lr": 0.05}),
    ("sgd", {"lr": 0.05, "weight_decay": 0.1}),
    ("sgd", {"lr": 0.02, "momentum": 0.9}),
    ("sgd", {"lr": 0.02, "momentum": 0.9, "nesterov": True}),
    ("rmsprop", {"lr": 0.01}),
    ("rmsprop", {"lr": 0.01, "momentum": 0.5, "weight_decay": 0.01}),
    ("adam", {"lr": 0.1}),
    ("adam", {"lr": 0.1, "weight_decay": 0.05}),
    ("adamw", {"lr": 0.1, "weight_decay": 0.05}),
]


def rate(path: list[tuple[float, float]], window: int = 100) -> float:
    """Per-step contraction of |theta| over the last `window` steps."""
    end, begin = np.linalg.norm(path[-1]), np.linalg.norm(path[-1 - window])
    return float((end / begin) ** (1 / window))
