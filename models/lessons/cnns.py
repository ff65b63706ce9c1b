"""The lecture's second part as lessons: convolution, fields, deep and fully convolutional nets."""

from __future__ import annotations

from typing import Any

from models.lessons.make import (
    CNNS,
    DEEP_BLOCKS,
    DEEP_TRAINING,
    SHAPES_TRAINING,
    chain,
    comparison,
    conv,
    deep,
    head,
    lesson,
    preset,
    run_body,
)

ERF_LAYERS = 8  # the effective-field lesson's 3x3 layers: a theoretical field of 17

DIGITS_TRAINING: dict[str, Any] = {
    "optimizer": "adam",
    "lr": 0.003,
    "batch_size": 64,
    "max_steps": 2000,
}

SEGMENTATION_TRAINING: dict[str, Any] = {
    "optimizer": "adam",
    "lr": 0.003,
    "batch_size": 16,
    "max_steps": 3000,
}


def segmenter() -> dict[str, Any]:
    """A fully convolutional labeller: dilated 3x3 layers, then a 1x1 conv to the 5 classes."""
    return chain(
        ("c1", "conv2d", conv(16)),
        ("a1", "relu", {}),
        ("c2", "conv2d", conv(16, dilation=2, padding=2)),
        ("a2", "relu", {}),
        ("c3", "conv2d", conv(16, dilation=4, padding=4)),
        ("a3", "relu", {}),
        ("cls", "conv2d", conv(5, 1)),
    )


LESSONS: dict[str, dict[str, Any]] = {
    "digits-cnn": preset(
        "Small CNN on digits",
        "Shared 3x3 filters and pooling read handwritten digits.",
        chain(
            ("c1", "conv2d", {"out_channels": 16, "kernel_size": 3, "padding": 1}),
            ("a1", "relu", {}),
            ("p1", "maxpool2d", {"kernel_size": 2}),
            ("c2", "conv2d", {"out_channels": 32, "kernel_size": 3, "padding": 1}),
            ("a2", "relu", {}),
            ("p2", "maxpool2d", {"kernel_size": 2}),
            ("f", "flatten", {}),
            ("fc", "linear", {"out_features": 10}),
        ),
        "digits",
        {"optimizer": "adam", "lr": 0.003, "batch_size": 64, "max_steps": 3000},
        lesson=lesson(
            "Convolution and weight sharing",
            CNNS,
            15,
            (
                "Press play, then click c1 and open its feature maps and filters.",
                "Each feature map is one 3x3 filter looked for at every place of the digit.",
                "A conv layer reuses its filters everywhere: few weights, any position.",
                "How many weights would a dense layer need for the same output?",
            ),
            ("confusion",),
        ),
    ),
    "strided-conv": preset(
        "Strided convolution",
        "A stride of 2 halves the feature map and doubles the step between receptive "
        "fields: 28, 14, 7 pixels across, jumps of 1, 2, 4.",
        chain(
            ("c1", "conv2d", conv(8)),
            ("a1", "relu", {}),
            ("c2", "conv2d", conv(16, stride=2)),
            ("a2", "relu", {}),
            ("c3", "conv2d", conv(16, stride=2)),
            ("a3", "relu", {}),
            *head(),
        ),
        "shapes",
        SHAPES_TRAINING,
        lesson=lesson(
            "Strided convolution downsamples",
            CNNS,
            20,
            (
                "Read each conv node's shape and receptive field on the canvas.",
                "c2 and c3 halve the size; the field's jump goes 1, 2, 4.",
                "A stride-2 convolution downsamples like pooling, with learned weights.",
                "What does a jump of 4 mean for two neighbouring units of c3?",
            ),
            ("feature_maps:c3",),
        ),
    ),
    "field-depth": preset(
        "Receptive fields grow with depth",
        "Each 3x3 convolution widens what a unit sees by 2 pixels: 3, 5, 7 after three layers.",
        chain(
            ("c1", "conv2d", conv(8)),
            ("a1", "relu", {}),
            ("c2", "conv2d", conv(8)),
            ("a2", "relu", {}),
            ("c3", "conv2d", conv(8)),
            ("a3", "relu", {}),
            *head(),
        ),
        "shapes",
        SHAPES_TRAINING,
        lesson=lesson(
            "Receptive fields grow with depth",
            CNNS,
            21,
            (
                "Read the receptive field on each conv node, then open c3's ERF.",
                "3, 5, 7: two pixels more per 3x3 layer.",
                "Depth, not kernel size, lets a small-kernel network see a whole object.",
                "How many 3x3 layers would a unit need to see all 28 pixels?",
            ),
            ("erf:c3",),
        ),
    ),
    "dilated-conv": preset(
        "Dilated convolutions",
        "Dilations 1, 2, 4 spread the same nine taps wider and wider: fields of 3, 7 and "
        "15 pixels with the same weights per layer.",
        chain(
            ("c1", "conv2d", conv(8)),
            ("a1", "relu", {}),
            ("c2", "conv2d", conv(8, dilation=2, padding=2)),
            ("a2", "relu", {}),
            ("c3", "conv2d", conv(8, dilation=4, padding=4)),
            ("a3", "relu", {}),
            *head(),
        ),
        "shapes",
        SHAPES_TRAINING,
        lesson=lesson(
            "Dilated convolutions",
            CNNS,
            23,
            (
                "Read the fields on c1, c2, c3, then open c3's ERF.",
                "3, 7, 15: the field doubles and more, the parameters stay the same.",
                "Dilation grows the field exponentially with depth at no cost in weights.",
                "What would dilation 8 give after c3?",
            ),
            ("erf:c3",),
        ),
    ),
    "vgg-3x3": comparison(
        "Two 3x3 convolutions against one 5x5",
        "Two stacked 3x3 convolutions see the same 5x5 window as one 5x5, with 18 "
        "weights per channel pair instead of 25 and a ReLU in between.",
        [
            run_body(
                "two 3x3",
                chain(
                    ("stem", "conv2d", conv(16, 1)),
                    ("a0", "relu", {}),
                    ("c1", "conv2d", conv(16)),
                    ("a1", "relu", {}),
                    ("c2", "conv2d", conv(16)),
                    ("a2", "relu", {}),
                    *head(),
                ),
                "shapes",
                SHAPES_TRAINING,
            ),
            run_body(
                "one 5x5",
                chain(
                    ("stem", "conv2d", conv(16, 1)),
                    ("a0", "relu", {}),
                    ("c1", "conv2d", conv(16, 5)),
                    ("a1", "relu", {}),
                    *head(),
                ),
                "shapes",
                SHAPES_TRAINING,
            ),
        ],
        lesson=lesson(
            "Chained 3x3 convolutions (VGG)",
            CNNS,
            24,
            (
                "Both runs start together: compare their parameters and curves.",
                "The same 5x5 field: 4,608 weights for the two 3x3s, 6,400 for the 5x5.",
                "Small kernels stacked see as far with fewer weights and more ReLUs.",
                "What do three 3x3 layers see, and with how many weights?",
            ),
        ),
    ),
    "residual-vs-plain": comparison(
        "Residual against plain",
        "Eight hidden layers deep, the plain network sits on a flat plateau: its loss "
        "surface is level in every direction, so the gradient vanishes and it never "
        "leaves chance. The same network with skip connections finds a basin and "
        "descends into it.",
        [
            run_body("plain, 8 layers", deep(DEEP_BLOCKS, residual=False), "spiral", DEEP_TRAINING),
            run_body(
                "residual, 8 layers", deep(DEEP_BLOCKS, residual=True), "spiral", DEEP_TRAINING
            ),
        ],
        lesson=lesson(
            "Residual connections",
            CNNS,
            25,
            (
                "Both runs start together: watch their loss curves and landscapes.",
                "The plain net's loss stays at 0.69 (chance) and its surface is flat; the "
                "residual net's falls into a basin.",
                "Skip connections carry the signal and the gradient through a deep stack.",
                "Why does the plain network's gradient vanish with depth?",
            ),
            ("loss_landscape",),
        ),
    ),
    "conv-as-matrix": preset(
        "A convolution is a matrix",
        "On a 6x6 input, c1's two 3x3 filters unroll into a 72x36 matrix: each row is the "
        "row before shifted, the same nine weights again, and most entries are zero.",
        chain(
            ("c1", "conv2d", conv(2)),
            ("a1", "relu", {}),
            ("p1", "maxpool2d", {"kernel_size": 2}),
            ("f", "flatten", {}),
            ("fc", "linear", {"out_features": 10}),
        ),
        "digits",
        {"optimizer": "adam", "lr": 0.01, "batch_size": 64, "max_steps": 2000},
        lesson=lesson(
            "The convolution as a Toeplitz matrix",
            CNNS,
            16,
            (
                "Click c1 and open its matrix.",
                "The same nine weights, shifted one place each row, in a sea of zeros.",
                "A convolution is a dense layer whose matrix shares and zeroes its weights.",
                "How many of the matrix's entries are free to learn?",
            ),
            ("conv_matrix:c1",),
        ),
    ),
    "segmentation-fcn": preset(
        "Segmentation, pixel by pixel",
        "A fully convolutional network labels every pixel of a scene: background or one of "
        "four shapes. Dilated layers let each pixel see its whole shape.",
        segmenter(),
        "segmentation",
        SEGMENTATION_TRAINING,
        lesson=lesson(
            "Semantic segmentation",
            CNNS,
            26,
            (
                "Press play and open the segmentation view.",
                "The predicted masks sharpen, and the IoU of every class climbs.",
                "A per-pixel classifier is a CNN with no dense layer: one output per class "
                "at every pixel.",
                "Which shape is hardest to tell apart, and why?",
            ),
            ("segmentation",),
        ),
    ),
    "sharing-weights": comparison(
        "Convolution, locally connected, dense",
        "Three layers that each give 8 channels of 8x8 from a digit: a convolution shares "
        "one set of 3x3 filters over every place (80 weights), a locally connected layer "
        "has its own filters at each place (5,120), a dense layer connects every pixel to "
        "every output (33,280).",
        [
            run_body(
                name,
                chain(*layers, ("f", "flatten", {}), ("fc", "linear", {"out_features": 10})),
                "digits",
                DIGITS_TRAINING,
            )
            for name, layers in (
                ("convolution", (("c1", "conv2d", conv(8)), ("a1", "relu", {}))),
                (
                    "locally connected",
                    (("c1", "locally_connected2d", conv(8)), ("a1", "relu", {})),
                ),
                (
                    "dense",
                    (
                        ("flat", "flatten", {}),
                        ("c1", "linear", {"out_features": 8 * 8 * 8}),
                        ("a1", "relu", {}),
                    ),
                ),
            )
        ],
        lesson=lesson(
            "Convolution against locally connected against dense",
            CNNS,
            15,
            (
                "The three runs start together: read c1's parameters on each canvas.",
                "80, 5,120 and 33,280 weights for the same 8 x 8 x 8 output.",
                "Weight sharing: a convolution looks for the same pattern everywhere, with "
                "a few weights, and so learns from fewer samples.",
                "Which of the three could still find a pattern it saw in one corner in another?",
            ),
        ),
    ),
    "channels": preset(
        "Many channels in, many out",
        "On colour shapes, each conv filter is C_in x 3 x 3: it reads all three colour "
        "channels at once and gives one output channel; 16 filters give 16 channels.",
        chain(
            ("c1", "conv2d", conv(16)),
            ("a1", "relu", {}),
            ("p1", "maxpool2d", {"kernel_size": 2}),
            ("c2", "conv2d", conv(32)),
            ("a2", "relu", {}),
            *head(),
        ),
        "shapes",
        SHAPES_TRAINING,
        dataset_params={"channels": 3},
        lesson=lesson(
            "Multiple channels",
            CNNS,
            18,
            (
                "Read the shapes on each node: 3 x 28 x 28 in, 16 x 28 x 28 after c1. Then "
                "click c1 and open its weights.",
                "Every filter of c1 has a 3x3 slice per colour channel; c2's filters have "
                "16 slices each.",
                "A conv layer maps C_in channels to C_out with C_out filters of "
                "C_in x k x k weights each.",
                "How many weights has c2, and why does it not depend on the image size?",
            ),
            ("weights:c1",),
        ),
    ),
    "equivariance": preset(
        "Shift the image, shift the maps",
        "c1 and c2 pad circularly with stride 1: a shifted shape gives the same feature "
        "maps, shifted by the same pixels. c3 pads with zeros and strides by 2: its borders "
        "and its stride break the rule.",
        chain(
            ("c1", "conv2d", conv(8, padding_mode="circular")),
            ("a1", "relu", {}),
            ("c2", "conv2d", conv(8, padding_mode="circular")),
            ("a2", "relu", {}),
            ("c3", "conv2d", conv(16, stride=2)),
            ("a3", "relu", {}),
            *head(),
        ),
        "shapes",
        SHAPES_TRAINING,
        lesson=lesson(
            "Translation equivariance",
            CNNS,
            17,
            (
                "Click a2 and open its shift test; then try c3, and change the shift.",
                "a2's maps move with the image, to the last digit; c3's do not quite.",
                "A convolution is translation equivariant: the same filter at every place "
                "finds a pattern wherever it moves, as long as borders and strides allow.",
                "Why does a stride of 2 break it for a shift of 1 pixel but not 2?",
            ),
            ("shift:a2",),
        ),
    ),
    "pooling-shift": comparison(
        "Pooling steadies small shifts",
        "A 1-pixel shift changes c1's maps; 4x4 pooling after it changes less, because "
        "most windows keep their maximum (or their mean moves little).",
        [
            run_body(
                f"{name} pooling",
                chain(
                    ("c1", "conv2d", conv(8)),
                    ("a1", "relu", {}),
                    ("p1", pool, {"kernel_size": 4}),
                    *head(),
                ),
                "shapes",
                SHAPES_TRAINING,
            )
            for name, pool in (("max", "maxpool2d"), ("mean", "avgpool2d"))
        ],
        lesson=lesson(
            "Pooling and small shifts",
            CNNS,
            19,
            (
                "Both runs start together: click p1 and open its shift test, then a1's.",
                "After a 1-pixel shift a1 changes by about a quarter, p1 by less: max "
                "pooling a little less, mean pooling about half.",
                "Pooling summarises a neighbourhood, so a small shift moves its output "
                "less: a little translation invariance.",
                "What does pooling throw away to gain that stability?",
            ),
            ("shift:p1",),
        ),
    ),
    "fcn-any-size": preset(
        "A fully convolutional net takes any size",
        "Trained on 32 x 32 scenes, the same network labels a 96 x 96 scene made of nine: "
        "no layer is tied to the image's size, so every pixel is labelled as before.",
        segmenter(),
        "segmentation",
        SEGMENTATION_TRAINING,
        lesson=lesson(
            "Fully convolutional networks",
            CNNS,
            27,
            (
                "Press play, open the segmentation view and pick 96 x 96 scenes.",
                "The 96 x 96 masks are as good as the 32 x 32 ones: the IoU hardly moves.",
                "Without a dense layer a CNN slides over any input: it runs on scenes "
                "larger than the ones it learned from.",
                "What would break if the last layer were a dense one?",
            ),
            ("segmentation",),
        ),
    ),
    "pixel-correlation": preset(
        "Why CNNs: neighbouring pixels belong together",
        "On the shapes, a pixel is alike its neighbour (correlation 0.88) and less and "
        "less alike pixels further off, as a power law: what matters is local, which is "
        "what small shared filters look at.",
        chain(
            ("c1", "conv2d", conv(8)),
            ("a1", "relu", {}),
            ("p1", "maxpool2d", {"kernel_size": 2}),
            ("c2", "conv2d", conv(16)),
            ("a2", "relu", {}),
            *head(),
        ),
        "shapes",
        SHAPES_TRAINING,
        lesson=lesson(
            "Why CNNs",
            CNNS,
            28,
            (
                "Open the pixel correlation view; switch the dataset to digits and back.",
                "The correlation falls from 0.88 at one pixel to 0.02 at fourteen.",
                "Images are local: nearby pixels tell about each other, far ones hardly "
                "do, so a network of small local filters fits them.",
                "Would a convolution help on data whose columns are in a random order?",
            ),
            ("pixel_correlation",),
        ),
    ),
    "erf-depth": preset(
        "The effective receptive field",
        "Eight 3x3 layers: each unit of a8 has a 17-pixel theoretical field, but the pixels "
        "that really sway it gather in a Gaussian-like blob at its centre, whose width grows "
        "like the square root of depth (Luo et al. 2016).",
        chain(
            *(
                layer
                for i in range(1, ERF_LAYERS + 1)
                for layer in ((f"c{i}", "conv2d", conv(8)), (f"a{i}", "relu", {}))
            ),
            *head(),
        ),
        "shapes",
        SHAPES_TRAINING,
        lesson=lesson(
            "The effective receptive field",
            CNNS,
            22,
            (
                "Open a8's ERF before pressing play, then a2's and a4's; then train.",
                "A bright centre fading out, well inside the 17-pixel box; a2's is about "
                "half as wide as a8's, four times shallower.",
                "The effective field is Gaussian-like, grows like the square root of depth, "
                "and fills less and less of the theoretical one.",
                "Why do the central pixels of a field count more than its edges?",
            ),
            ("erf:a8",),
        ),
    ),
}
