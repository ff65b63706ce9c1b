"""Test-wide settings."""

import torch

# The tests run in parallel workers on small models: one intra-op thread per
# worker avoids oversubscribing the cores, which slows tiny ops many times over.
torch.set_num_threads(1)
