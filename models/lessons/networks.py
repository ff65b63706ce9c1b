"""The lecture's first part as lessons: neurons, layers, losses, optimization, regularization."""

from __future__ import annotations

from typing import Any

from models.lessons.make import (
    DEEP_BLOCKS,
    DEEP_TRAINING,
    NETWORKS,
    SHAPES_TRAINING,
    chain,
    comparison,
    conv,
    deep,
    head,
    lesson,
    mlp,
    preset,
    run_body,
)

SIGMOID_LAYERS = 5  # the saturation lesson's sigmoid layers
SIGMOID_TRAINING: dict[str, Any] = {
    "optimizer": "sgd",
    "lr": 0.1,
    "batch_size": 32,
    "max_steps": 2000,
}


def sigmoids(std: float | None, act: str = "sigmoid") -> dict[str, Any]:
    """SIGMOID_LAYERS linear-`act` layers of 16 (weights N(0, std) if given) and a classifier."""
    init = {} if std is None else {"init": "normal", "value": std}
    layers = [
        layer
        for i in range(1, SIGMOID_LAYERS + 1)
        for layer in (
            (f"h{i}", "linear", {"out_features": 16, **init}),
            (f"s{i}", act, {}),
        )
    ]
    return chain(*layers, ("fc", "linear", {"out_features": 2}))


PERCEPTRON_TRAINING: dict[str, Any] = {
    "optimizer": "sgd",
    "lr": 0.1,
    "batch_size": 32,
    "max_steps": 2000,
}


def perceptron(gradient: str) -> dict[str, Any]:
    """A linear unit h, its hard threshold s (with this backward rule) and a readout."""
    return chain(
        ("h", "linear", {"out_features": 1}),
        ("s", "step", {"gradient": gradient}),
        ("fc", "linear", {"out_features": 2}),
    )


def rectifiers(act: str, bias_init: float | None = None) -> dict[str, Any]:
    """Two hidden layers of 32, each then `act`, their biases started at `bias_init` if given."""
    start: dict[str, Any] = {"out_features": 32}
    if bias_init is not None:
        start["bias_init"] = bias_init
    return chain(
        ("h1", "linear", start),
        ("a1", act, {}),
        ("h2", "linear", start),
        ("a2", act, {}),
        ("fc", "linear", {"out_features": 2}),
    )


RECTIFIER_RUNS = ("relu", "leaky_relu", "prelu")
"""The dead-units lesson's activations, one run each."""

KILLING_LR = 0.1
"""Adam's rate, ten times the usual 0.01, at which ReLU units die during training."""

SPIRAL_ADAM: dict[str, Any] = {"optimizer": "adam", "lr": 0.01, "batch_size": 32, "max_steps": 3000}

WIDE = [125]  # one hidden layer: 627 parameters on a 2-D set with two classes
DEEP = [16, 16, 16]  # three hidden layers: 626 parameters

LR_RUNS = ((0.0005, "too small"), (0.05, "good"), (3.0, "too large"))
"""The learning-rate lesson's rates (SGD on the plane's regression), and what each is."""

OPTIMIZER_RUNS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("SGD", {"optimizer": "sgd"}),
    ("momentum", {"optimizer": "sgd", "momentum": 0.9}),
    ("Nesterov", {"optimizer": "sgd", "momentum": 0.9, "nesterov": True}),
    ("RMSProp", {"optimizer": "rmsprop"}),
    ("Adam", {"optimizer": "adam"}),
)
"""The optimizers lesson's runs: the same network, seed and learning rate (0.01), on circle."""


DROPOUT_DATA: dict[str, Any] = {"n_samples": 100, "noise": 0.5}
"""A small noisy spiral (50 training points) that two layers of 128 overfit."""


LESSONS: dict[str, dict[str, Any]] = {
    "spiral-mlp": preset(
        "Spiral with two hidden layers",
        "Depth bends the decision boundary around the two arms of the spiral.",
        mlp([16, 16]),
        "spiral",
        {"optimizer": "adam", "lr": 0.01, "batch_size": 32, "max_steps": 5000},
        lesson=lesson(
            "Stacking layers",
            NETWORKS,
            5,
            (
                "Press play and open the decision boundary.",
                "The boundary bends, layer after layer, until it follows both arms.",
                "Each hidden layer folds the plane again: two layers of 16 fit a spiral.",
                "What would a network without hidden layers draw here?",
            ),
            ("decision_boundary",),
        ),
    ),
    "xor-linear": preset(
        "XOR without a hidden layer",
        "A linear model cannot separate XOR: accuracy stays near chance.",
        chain(("fc", "linear", {"out_features": 2})),
        "xor",
        {"optimizer": "sgd", "lr": 0.1, "batch_size": 32, "max_steps": 2000},
        lesson=lesson(
            "The XOR affair",
            NETWORKS,
            2,
            (
                "Train it, then load “XOR with one hidden layer” and train that.",
                "Test accuracy: without a hidden layer it stays near one half.",
                "One linear layer draws one straight line, and no line separates XOR.",
                "Which two points can no single line keep apart?",
            ),
            ("decision_boundary",),
        ),
    ),
    "xor-hidden": preset(
        "XOR with one hidden layer",
        "Eight hidden units are enough to solve XOR.",
        chain(
            ("h1", "linear", {"out_features": 8}),
            ("a1", "tanh", {}),
            ("fc", "linear", {"out_features": 2}),
        ),
        "xor",
        {"optimizer": "adam", "lr": 0.03, "batch_size": 32, "max_steps": 2000},
        lesson=lesson(
            "The XOR affair",
            NETWORKS,
            2,
            (
                "Press play and watch the hidden units in the decision boundary panel.",
                "Each hidden unit draws a line; the output combines them.",
                "One hidden layer solves XOR: two lines cut the plane into its four corners.",
                "How few hidden units would still do?",
            ),
            ("decision_boundary",),
        ),
    ),
    "sigmoid-saturation": comparison(
        "Sigmoid saturates",
        "Five sigmoid layers. With PyTorch's small starting weights the units sit near "
        "the middle, but the sigmoid's slope is at most 1/4, and the first layer's "
        "gradient is thousands of times smaller than the last's. With large starting "
        "weights most units sit near 0 or 1, where the sigmoid is flat.",
        [
            run_body("small weights", sigmoids(None), "spiral", SIGMOID_TRAINING),
            run_body("large weights", sigmoids(2.0), "spiral", SIGMOID_TRAINING),
        ],
        lesson=lesson(
            "Sigmoid and tanh saturate",
            NETWORKS,
            3,
            (
                "h1's gradients open: the norm of every layer's gradient. Then click s3 and "
                "open its activations.",
                "From fc back to h1 the gradient shrinks by orders of magnitude; with large "
                "weights, s3's activations pile up near 0 and 1.",
                "The sigmoid passes back at most 1/4 of the gradient, and almost none "
                "where it saturates: deep sigmoid stacks learn slowly.",
                "What would ReLU pass back instead?",
            ),
            ("gradients:h1",),
        ),
    ),
    "tanh-saturation": comparison(
        "Tanh saturates too",
        "The same five layers with tanh. Its slope is 1 at zero, four times the sigmoid's, "
        "so with small starting weights the gradient reaches h1 far better. With large "
        "starting weights most units sit near -1 or 1, where tanh is flat too.",
        [
            run_body("small weights", sigmoids(None, "tanh"), "spiral", SIGMOID_TRAINING),
            run_body("large weights", sigmoids(2.0, "tanh"), "spiral", SIGMOID_TRAINING),
        ],
        lesson=lesson(
            "Sigmoid and tanh saturate",
            NETWORKS,
            3,
            (
                "s3's activations open: compare the two runs' histograms.",
                "With small weights the values spread around 0; with large ones four in five "
                "sit beyond ±0.9.",
                "A saturated tanh passes back almost nothing: its mean slope falls from about "
                "0.85 to about 0.14.",
                "Which starting weights keep a tanh unit in its steep middle?",
            ),
            ("activations:s3",),
        ),
    ),
    "perceptron": comparison(
        "The perceptron's step",
        "A linear unit and a hard threshold: the surface is a plane, cut at zero into a "
        "straight boundary. The step's true gradient is zero, so the unit below it never "
        "learns; passed straight through, the gradient trains it.",
        [
            run_body("true gradient", perceptron("zero"), "gauss", PERCEPTRON_TRAINING),
            run_body(
                "straight through", perceptron("straight_through"), "gauss", PERCEPTRON_TRAINING
            ),
        ],
        lesson=lesson(
            "The perceptron",
            NETWORKS,
            1,
            (
                "Both runs start together: open the decision boundary and h's gradients.",
                "With the true gradient, h's gradient is exactly zero and its line never "
                "moves; straight through, the line swings between the two clusters.",
                "A step is flat almost everywhere: gradient descent cannot train through "
                "it, which is why networks use smooth activations.",
                "What did Rosenblatt's perceptron rule do instead of a gradient?",
            ),
            ("decision_boundary", "gradients:h"),
        ),
    ),
    "circle-one-hidden": comparison(
        "One hidden layer bends the boundary",
        "No line separates a disc from the ring around it; eight hidden units draw a "
        "closed curve around it.",
        [
            run_body("no hidden layer", mlp([]), "circle", SPIRAL_ADAM),
            run_body("8 hidden units", mlp([8]), "circle", SPIRAL_ADAM),
        ],
        lesson=lesson(
            "Stacking layers",
            NETWORKS,
            5,
            (
                "Both runs start together: open the decision boundary of each.",
                "Without a hidden layer the boundary stays straight and accuracy near 0.6; "
                "with eight units it closes around the disc.",
                "One hidden layer with enough units fits a curved boundary.",
                "How few hidden units can still enclose the disc?",
            ),
            ("decision_boundary",),
        ),
    ),
    "wide-vs-deep": comparison(
        "Wide and shallow against narrow and deep",
        "The same budget of about 630 weights, spent on one hidden layer of 125 or on three "
        "layers of 16. On the spiral, depth folds the plane again and again; width only adds "
        "lines.",
        [
            run_body("wide: 1 x 125", mlp(WIDE), "spiral", SPIRAL_ADAM),
            run_body("deep: 3 x 16", mlp(DEEP), "spiral", SPIRAL_ADAM),
        ],
        lesson=lesson(
            "Wide against deep",
            NETWORKS,
            6,
            (
                "Both runs start together: compare their parameter counts and boundaries.",
                "627 against 626 parameters; the deep net's test accuracy passes 0.95 while "
                "the wide one's lags behind.",
                "At the same parameter count, depth buys more complex boundaries than width.",
                "Why would a very deep narrow net be hard to train?",
            ),
            ("decision_boundary",),
        ),
    ),
    "softmax-classifier": preset(
        "The classifier layer",
        "A linear layer gives one score per class; softmax turns the scores into "
        "probabilities that sum to 1, and cross-entropy is minus the log of the true "
        "class's probability.",
        chain(("f", "flatten", {}), ("fc", "linear", {"out_features": 10})),
        "digits",
        {"optimizer": "adam", "lr": 0.01, "batch_size": 64, "max_steps": 2000},
        lesson=lesson(
            "The classifier layer",
            NETWORKS,
            7,
            (
                "Press play and open the predictions.",
                "Each digit's predicted probability climbs toward 1; the loss is the "
                "average of -log of the true class's probability.",
                "Softmax makes scores into probabilities; cross-entropy punishes a low "
                "probability on the true class without bound.",
                "What loss does a network get that says 1/10 for every digit?",
            ),
            ("predictions",),
        ),
    ),
    "learning-rate": comparison(
        "Learning rate: too small, good, too large",
        "The same regression trained by SGD at three rates: 0.0005 crawls down the slope, "
        "0.05 converges, 3 overshoots further each step until the loss is infinite.",
        [
            run_body(
                f"lr {lr:g} ({what})",
                mlp([16], classes=1, loss="mse"),
                "plane",
                {"optimizer": "sgd", "lr": lr, "batch_size": 32, "max_steps": 2000},
            )
            for lr, what in LR_RUNS
        ],
        lesson=lesson(
            "Learning rate",
            NETWORKS,
            8,
            (
                "The three runs start together: watch their loss curves.",
                "0.0005 barely moves, 0.05 falls fast, 3 fails after a few steps: the runs "
                "list says why.",
                "Too small wastes steps; too large overshoots the minimum and diverges.",
                "Where between 0.05 and 3 would you expect it to start diverging?",
            ),
        ),
    ),
    "batch-noise": comparison(
        "Batch size 1 against the full batch",
        "SGD on one sample at a time follows a noisy estimate of the gradient: its loss "
        "jumps from step to step. The full batch of 250 points follows the true gradient "
        "smoothly.",
        [
            run_body(
                f"batch {bs}",
                mlp([16, 16]),
                "spiral",
                # Ten steps a second: a metrics row per step, so the curve shows each jump.
                {
                    "optimizer": "sgd",
                    "lr": 0.05,
                    "batch_size": bs,
                    "max_steps": 3000,
                    "max_steps_per_s": 10,
                },
            )
            for bs in (1, 250)
        ],
        lesson=lesson(
            "SGD's batch noise",
            NETWORKS,
            9,
            (
                "Both runs start together: watch the training loss curves.",
                "Batch 1 jumps by about 0.3 from step to step, the full batch by a "
                "thousandth of that.",
                "A minibatch's gradient is a noisy estimate; bigger batches average the "
                "noise away, at a higher cost per step.",
                "Can the noise of small batches ever help?",
            ),
        ),
    ),
    "optimizers": comparison(
        "Momentum, Nesterov, RMSProp and Adam",
        "The same network, seed and learning rate under five update rules. Momentum "
        "accumulates a velocity; RMSProp and Adam scale each weight's step by its "
        "gradient's recent size.",
        [
            run_body(
                name,
                mlp([8]),
                "circle",
                {**rule, "lr": 0.01, "batch_size": 32, "max_steps": 3000},
            )
            for name, rule in OPTIMIZER_RUNS
        ],
        lesson=lesson(
            "Momentum, Nesterov, RMSProp, Adam",
            NETWORKS,
            10,
            (
                "The five runs start together: compare their loss curves.",
                "In 300 steps plain SGD at 0.01 lowers the loss by about 0.25, the other "
                "four by about 0.7.",
                "Velocity and per-weight step sizes make the same learning rate go much further.",
                "Why can Adam's per-weight scaling hurt generalization?",
            ),
        ),
    ),
    "backprop": preset(
        "Backpropagation",
        "Each step, the loss's gradient flows back from the output, layer by layer, by the "
        "chain rule: every layer's gradient is computed from the one above it.",
        mlp([16, 16], act="tanh"),
        "spiral",
        SPIRAL_ADAM,
        lesson=lesson(
            "Backpropagation",
            NETWORKS,
            14,
            (
                "Press play, then click h1 and open its gradients.",
                "The gradient norm of every layer, from fc back to h1, changing each step.",
                "Backpropagation is the chain rule applied from the loss backwards, reusing "
                "each layer's gradient for the one below.",
                "Which layer's gradient must be known before h1's can be computed?",
            ),
            ("gradients:h1",),
        ),
    ),
    "weight-decay": comparison(
        "Weight decay",
        "The same network and seed, with and without an L2 penalty of 0.01: each step "
        "shrinks every weight a little, so the weights stay small.",
        [
            run_body(
                f"weight decay {wd:g}",
                mlp([16, 16]),
                "spiral",
                {
                    "optimizer": "sgd",
                    "lr": 0.1,
                    "momentum": 0.9,
                    "weight_decay": wd,
                    "batch_size": 32,
                    "max_steps": 3000,
                },
            )
            for wd in (0.0, 0.01)
        ],
        lesson=lesson(
            "Weight decay",
            NETWORKS,
            11,
            (
                "Both runs start together: click h1 and open its weights in each.",
                "Without decay the weights grow; with it their norm stays about a third.",
                "Weight decay adds λ‖w‖² to the loss: it pulls every weight toward zero, "
                "a simpler function.",
                "What happens to the boundary if the decay is too strong?",
            ),
            ("weights:h1",),
        ),
    ),
    "dropout": comparison(
        "Dropout against overfitting",
        "Fifty noisy points and two hidden layers of 128: without dropout the network "
        "learns the noise (train accuracy near 1, test far lower); dropping half the units "
        "at random each step keeps train and test close.",
        [
            run_body(
                name,
                mlp([128, 128], dropout=p),
                "spiral",
                {"optimizer": "adam", "lr": 0.01, "batch_size": 32, "max_steps": 2000},
                DROPOUT_DATA,
            )
            for name, p in (("no dropout", None), ("dropout 0.5", 0.5))
        ],
        lesson=lesson(
            "Dropout",
            NETWORKS,
            12,
            (
                "Both runs start together: compare the train and test curves of each.",
                "Without dropout the test loss climbs while the train loss falls; with it "
                "the gap stays small.",
                "Dropout trains many thinned networks at once, so no unit can rely on "
                "memorising a sample.",
                "Why is dropout switched off at test time?",
            ),
            ("decision_boundary",),
        ),
    ),
    "dead-relu": comparison(
        "Dead ReLUs, and leaky ones that wake",
        "Biases that start at -1 switch half the units off: their input is negative for "
        "every point. A ReLU passes no gradient there, so those units never come back; a "
        "leaky ReLU and a PReLU pass a little, and their units wake.",
        [
            run_body(
                act,
                rectifiers(act, bias_init=-1.0),
                "spiral",
                {"optimizer": "adam", "lr": 0.01, "batch_size": 32, "max_steps": 3000},
            )
            for act in RECTIFIER_RUNS
        ],
        lesson=lesson(
            "ReLU and dead units",
            NETWORKS,
            4,
            (
                "The three runs start together: click a1 and open its activations in each.",
                "The ReLU's switched-off share stays near one half; the leaky ReLU's and "
                "the PReLU's falls below a tenth, and the PReLU's slope leaves 0.25.",
                "A ReLU unit that is never positive is dead for good: no gradient reaches "
                "it. A small negative slope keeps every unit trainable.",
                "Which other start could kill ReLU units, and which learning rate?",
            ),
            ("activations:a1",),
        ),
    ),
    "dead-relu-rate": preset(
        "A learning rate that kills ReLUs",
        "The same ReLU network, its biases started at zero, trained with Adam at ten times "
        "its usual rate: large steps push units to where their input is negative for every "
        "point, and a ReLU there gets no gradient to come back.",
        rectifiers("relu"),
        "spiral",
        {"optimizer": "adam", "lr": KILLING_LR, "batch_size": 32, "max_steps": 3000},
        lesson=lesson(
            "ReLU and dead units",
            NETWORKS,
            4,
            (
                "Click a1, open its activations, and press play.",
                "The dead share starts under a tenth and climbs past a half within a few "
                "hundred steps.",
                "Too large a step kills ReLU units for good, as a negative start does.",
                "What would the dead share do at the usual rate of 0.01?",
            ),
            ("activations:a1",),
        ),
    ),
    "normalization-axes": preset(
        "Batch, layer, instance and group norm",
        "Four normalizations in one CNN, each after a convolution. Each subtracts a mean and "
        "divides by a spread, over its own axes: batch norm per channel over the batch and "
        "the pixels, layer norm per sample, instance norm per sample and channel, group norm "
        "per sample and group of channels.",
        chain(
            ("c1", "conv2d", conv(8)),
            ("bn", "batchnorm", {}),
            ("a1", "relu", {}),
            ("c2", "conv2d", conv(8)),
            ("ln", "layernorm", {}),
            ("a2", "relu", {}),
            ("c3", "conv2d", conv(8)),
            ("gn", "groupnorm", {"num_groups": 2}),
            ("a3", "relu", {}),
            ("c4", "conv2d", conv(8)),
            ("in1", "instancenorm", {}),
            ("a4", "relu", {}),
            *head(),
        ),
        "shapes",
        SHAPES_TRAINING,
        lesson=lesson(
            "Normalization",
            NETWORKS,
            13,
            (
                "Click bn and open its normalization view; then ln, gn and in1.",
                "Each settles its own grouping to mean 0 and spread 1: bn each channel "
                "across the batch, ln each sample; per sample and channel only in1 does.",
                "The four norms differ only in the axes their mean and spread are taken "
                "over; only batch norm depends on the other samples of the batch.",
                "Which of them behaves the same with a batch of one?",
            ),
            ("normalization:bn",),
        ),
    ),
    "batchnorm-deep": comparison(
        "Batch norm trains a deep net",
        "The plain eight-layer network of the residual lesson, with and without batch norm "
        "after each linear layer, at the same learning rate: plain, it stalls at chance; "
        "normalized, every layer gets a usable signal and it learns the spiral.",
        [
            run_body("plain, 8 layers", deep(DEEP_BLOCKS, residual=False), "spiral", DEEP_TRAINING),
            run_body(
                "batch norm, 8 layers",
                deep(DEEP_BLOCKS, residual=False, norm="batchnorm"),
                "spiral",
                DEEP_TRAINING,
            ),
        ],
        lesson=lesson(
            "Normalization",
            NETWORKS,
            13,
            (
                "Both runs start together: watch their loss curves.",
                "The plain net's loss stays at 0.69; with batch norm it falls below 0.3.",
                "Normalizing each layer's input keeps the signal's scale in check, so a deep "
                "stack trains at a rate where the plain one cannot.",
                "What does batch norm need at test time that it took from the batch in training?",
            ),
        ),
    ),
}
