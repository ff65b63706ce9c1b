"""The optimizer registry: each entry builds its torch optimizer, changes live, is catalogued."""

from __future__ import annotations

import pytest
import torch

from models import optimizers
from models.optim import TrainingConfig, TrainingPatch, make_optimizer, optimizer_catalog
from models.optimizers import OPTIMIZERS, OptimizerDef
from models.train import Trainer
from tests.models.helpers import mlp

CONFIG_FIELDS = set(TrainingConfig.model_fields)
LIVE_FIELDS = set(TrainingPatch.model_fields)


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_an_entry_builds_its_class_from_its_hyperparameters(name: str) -> None:
    entry = OPTIMIZERS[name]
    assert set(entry.hyperparameters) <= CONFIG_FIELDS and set(entry.live) <= LIVE_FIELDS
    cfg = TrainingConfig(optimizer=name, lr=0.05, weight_decay=0.01)
    param = torch.nn.Parameter(torch.ones(3))
    opt = make_optimizer([param], cfg)
    assert type(opt) is entry.cls
    assert opt.param_groups[0]["lr"] == 0.05 and opt.param_groups[0]["weight_decay"] == 0.01


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_a_live_change_reaches_the_running_optimizer_and_keeps_its_state(name: str) -> None:
    trainer = Trainer(mlp([4]), "circle", {"optimizer": name, "lr": 0.01})
    trainer.step(3)
    slots = set(trainer.optimizer.state_dict()["state"])
    changes = {f: TrainingConfig.model_fields[f].default for f in OPTIMIZERS[name].hyperparameters}
    changes |= {"lr": 0.2, "weight_decay": 0.001}
    trainer.update(**changes)
    group = trainer.optimizer.param_groups[0]
    assert group["lr"] == 0.2 and group["weight_decay"] == 0.001
    assert set(trainer.optimizer.state_dict()["state"]) == slots  # the same optimizer, state kept


def test_the_catalog_gives_each_entry_with_its_schema() -> None:
    served = optimizer_catalog()
    assert [e["name"] for e in served] == list(OPTIMIZERS)
    sgd = served[0]
    assert set(sgd["params_schema"]["properties"]) == {"lr", "momentum", "nesterov", "weight_decay"}
    assert sgd["params_schema"]["properties"]["lr"]["maximum"] == 10.0
    assert "batch_size" in sgd["live"] and "beta1" not in sgd["live"]


def test_an_entry_vetoes_settings_that_do_not_fit_it() -> None:
    with pytest.raises(ValueError, match="nesterov needs momentum"):
        TrainingConfig(optimizer="sgd", nesterov=True)
    with pytest.raises(ValueError, match="unknown optimizer 'lbfgs'; optimizers: sgd"):
        TrainingConfig(optimizer="lbfgs")


def test_adding_an_optimizer_is_one_entry(monkeypatch: pytest.MonkeyPatch) -> None:
    """A new entry alone: settings accept it, a run trains with it, the API serves it."""
    nadam = OptimizerDef(
        name="nadam",
        doc="Adam with Nesterov momentum.",
        cls=torch.optim.NAdam,
        hyperparameters=("lr", "beta1", "beta2", "eps", "weight_decay"),
        options=lambda c: {"lr": c.lr, "betas": (c.beta1, c.beta2), "eps": c.eps},
    )
    monkeypatch.setitem(optimizers.OPTIMIZERS, "nadam", nadam)
    trainer = Trainer(mlp([8]), "circle", {"optimizer": "nadam", "lr": 0.02})
    first = trainer.step(1).metrics.train_loss
    last = trainer.step(200).metrics.train_loss
    assert isinstance(trainer.optimizer, torch.optim.NAdam)
    assert first is not None and last is not None and last < first
    trainer.update(lr=0.001)
    assert trainer.optimizer.param_groups[0]["lr"] == 0.001
    assert optimizer_catalog()[-1]["name"] == "nadam"
