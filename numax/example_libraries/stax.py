"""numax.example_libraries.stax: a small neural-network layer library, as JAX's example stax.

A layer is an `(init_fun, apply_fun)` pair. `init_fun(rng, input_shape)` returns
`(output_shape, params)`: the shape the layer produces (a batch dimension may be -1, it is
passed through) and its freshly drawn parameters. `apply_fun(params, inputs, **kwargs)`
computes the outputs; the only keyword any layer reads is `rng`, the PRNG key Dropout needs.
This module owns the layers (dense, convolutions, batch normalisation, pooling, the
elementwise nonlinearities, flatten, dropout, fan-out/fan-in) and the combinators that build
networks from them (`serial`, `parallel`, `shape_dependent`). The numerics come from
numax.lax, numax.nn and numax.nn.initializers; it is an example library, as in JAX.

>>> import numax
>>> from numax.example_libraries import stax
>>> init_fun, apply_fun = stax.serial(stax.Dense(4), stax.Relu, stax.Dense(1))
>>> output_shape, params = init_fun(numax.random.PRNGKey(0), (-1, 3))
>>> output_shape, apply_fun(params, numax.numpy.ones((2, 3))).shape
((-1, 1), (2, 1))
"""

import functools
import operator

from numax import lax, random
from numax import numpy as jnp
from numax.nn import (elu, gelu, leaky_relu, log_softmax, relu, selu, sigmoid,
                      softmax, softplus, standardize)
from numax.nn.initializers import glorot_normal, normal, ones, zeros

# The names JAX's stax exposes for the functions and initializers it uses.
logsoftmax = log_softmax
glorot = glorot_normal
randn = normal


# ---------------------------------------------------------------- parameterised layers


def Dense(out_dim, W_init=glorot_normal(), b_init=normal()):
    """A fully connected layer, `inputs @ W + b`, acting on the last axis.

    W has shape (input features, out_dim) and b shape (out_dim,).
    """
    def init_fun(rng, input_shape):
        weight_key, bias_key = random.split(rng)
        params = (W_init(weight_key, (input_shape[-1], out_dim)), b_init(bias_key, (out_dim,)))
        return tuple(input_shape[:-1]) + (out_dim,), params

    def apply_fun(params, inputs, **kwargs):
        W, b = params
        return jnp.dot(inputs, W) + b
    return init_fun, apply_fun


def _kernel_shape(rhs_spec, lhs_spec, input_shape, out_chan, filter_shape):
    """The kernel's shape in `rhs_spec` layout: 'O' is out_chan, 'I' the input's channel count
    ('C' in `lhs_spec`), and the spatial letters take `filter_shape` in order."""
    spatial = iter(filter_shape)
    input_channels = input_shape[lhs_spec.index("C")]
    return tuple(out_chan if c == "O" else input_channels if c == "I" else next(spatial)
                 for c in rhs_spec)


def _conv_layer(name, conv, output_shape_of, dimension_numbers, out_chan, filter_shape,
                strides, padding, W_init, b_init):
    """The layer both GeneralConv and GeneralConvTranspose are: a convolution `conv(inputs, W,
    strides)` plus a bias broadcast over every axis of the output but its channels."""
    lhs_spec, rhs_spec, out_spec = dimension_numbers
    if len(filter_shape) != len(lhs_spec) - 2:
        raise ValueError(f"stax.{name}: filter_shape {tuple(filter_shape)} must have one entry "
                         f"per spatial axis of {lhs_spec!r} ({len(lhs_spec) - 2})")
    strides = tuple(strides) if strides else (1,) * len(filter_shape)
    if W_init is None:
        W_init = glorot_normal(rhs_spec.index("I"), rhs_spec.index("O"))

    def init_fun(rng, input_shape):
        kernel_shape = _kernel_shape(rhs_spec, lhs_spec, input_shape, out_chan, filter_shape)
        output_shape = output_shape_of(input_shape, kernel_shape, strides, padding,
                                       dimension_numbers)
        bias_shape = tuple(out_chan if c == "C" else 1 for c in out_spec)
        weight_key, bias_key = random.split(rng)
        return output_shape, (W_init(weight_key, kernel_shape), b_init(bias_key, bias_shape))

    def apply_fun(params, inputs, **kwargs):
        W, b = params
        return conv(inputs, W, strides, padding) + b
    return init_fun, apply_fun


def GeneralConv(dimension_numbers, out_chan, filter_shape, strides=None, padding="VALID",
                W_init=None, b_init=normal(1e-6)):
    """A convolution layer with a bias, in any layout.

    `dimension_numbers` is `(lhs_spec, rhs_spec, out_spec)`, e.g. ('NHWC', 'HWIO', 'NHWC'):
    N batch, C channels, I/O the kernel's input/output channels, other letters spatial axes.
    `filter_shape` gives the kernel's spatial extent in the order those letters appear in
    rhs_spec; `strides` defaults to 1; `padding` is 'VALID', 'SAME' or (low, high) pairs.
    W_init defaults to glorot_normal over the kernel's I and O axes.
    """
    def conv(inputs, W, strides, padding):
        return lax.conv_general_dilated(inputs, W, strides, padding,
                                        dimension_numbers=dimension_numbers)
    return _conv_layer("GeneralConv", conv, lax.conv_general_shape_tuple, dimension_numbers,
                       out_chan, filter_shape, strides, padding, W_init, b_init)


def GeneralConvTranspose(dimension_numbers, out_chan, filter_shape, strides=None,
                         padding="VALID", W_init=None, b_init=normal(1e-6)):
    """A transposed convolution layer (`lax.conv_transpose`) with a bias, in any layout.

    The arguments mean what they mean for GeneralConv; a stride s upsamples by s.
    """
    def conv(inputs, W, strides, padding):
        return lax.conv_transpose(inputs, W, strides, padding,
                                  dimension_numbers=dimension_numbers)
    return _conv_layer("GeneralConvTranspose", conv, lax.conv_transpose_shape_tuple,
                       dimension_numbers, out_chan, filter_shape, strides, padding, W_init,
                       b_init)


Conv = functools.partial(GeneralConv, ("NHWC", "HWIO", "NHWC"))
Conv1DTranspose = functools.partial(GeneralConvTranspose, ("NHC", "HIO", "NHC"))
ConvTranspose = functools.partial(GeneralConvTranspose, ("NHWC", "HWIO", "NHWC"))


def BatchNorm(axis=(0, 1, 2), epsilon=1e-5, center=True, scale=True, beta_init=zeros,
              gamma_init=ones):
    """Batch normalisation with the statistics of the batch itself (no running averages).

    Each input is standardised over `axis` (`(x - mean) / sqrt(var + epsilon)`), then scaled
    by gamma and shifted by beta, both shaped like the input without the `axis` axes. With
    `center=False` there is no beta and with `scale=False` no gamma (their params are `()`).
    """
    axes = (axis,) if isinstance(axis, int) else tuple(axis)

    def normalized_axes(ndim):
        return tuple(a % ndim for a in axes)

    def init_fun(rng, input_shape):
        reduced = normalized_axes(len(input_shape))
        param_shape = tuple(d for i, d in enumerate(input_shape) if i not in reduced)
        beta_key, gamma_key = random.split(rng)
        beta = beta_init(beta_key, param_shape) if center else ()
        gamma = gamma_init(gamma_key, param_shape) if scale else ()
        return input_shape, (beta, gamma)

    def apply_fun(params, x, **kwargs):
        beta, gamma = params
        reduced = normalized_axes(jnp.ndim(x))
        # Put the parameters' axes back where they sit in x, with size-1 reduced axes.
        broadcast = tuple(None if i in reduced else slice(None) for i in range(jnp.ndim(x)))
        z = standardize(x, reduced, epsilon=epsilon)
        if scale:
            z = gamma[broadcast] * z
        if center:
            z = z + beta[broadcast]
        return z
    return init_fun, apply_fun


# ---------------------------------------------------------------- parameter-free layers


def elementwise(fun, **fun_kwargs):
    """A layer with no parameters applying `fun(inputs, **fun_kwargs)`."""
    def init_fun(rng, input_shape):
        return input_shape, ()

    def apply_fun(params, inputs, **kwargs):
        return fun(inputs, **fun_kwargs)
    return init_fun, apply_fun


Tanh = elementwise(jnp.tanh)
Relu = elementwise(relu)
Exp = elementwise(jnp.exp)
LogSoftmax = elementwise(log_softmax, axis=-1)
Softmax = elementwise(softmax, axis=-1)
Softplus = elementwise(softplus)
Sigmoid = elementwise(sigmoid)
Elu = elementwise(elu)
LeakyRelu = elementwise(leaky_relu)
Selu = elementwise(selu)
Gelu = elementwise(gelu)
Identity = elementwise(lambda inputs: inputs)


def _pooling_layer(name, reducer, init_value, averaging=False):
    """A pooling layer constructor reducing windows with `reducer` from `init_value`; with
    `averaging`, each output is divided by the number of inputs (not padding) in its window."""
    def PoolingLayer(window_shape, strides=None, padding="VALID", spec=None):
        """A pooling layer over the spatial axes.

        `window_shape` and `strides` (default 1) cover the spatial axes; `padding` is 'VALID',
        'SAME' or (low, high) pairs; `spec` (e.g. 'NCHW') names the layout, default N first
        and C last.
        """
        window_shape = tuple(window_shape)
        strides = tuple(strides) if strides else (1,) * len(window_shape)
        if len(strides) != len(window_shape):
            raise ValueError(f"stax.{name}: strides {strides} and window_shape {window_shape} "
                             "must have the same length")
        if spec is None:
            batch_axis, channel_axis = 0, len(window_shape) + 1
        else:
            if len(spec) != len(window_shape) + 2 or "N" not in spec or "C" not in spec:
                raise ValueError(f"stax.{name}: spec {spec!r} must name N, C and one letter per "
                                 f"window axis ({len(window_shape)})")
            batch_axis, channel_axis = spec.index("N"), spec.index("C")
        full_window, full_strides = list(window_shape), list(strides)
        for axis in sorted((batch_axis, channel_axis)):
            full_window.insert(axis, 1)
            full_strides.insert(axis, 1)
        full_window, full_strides = tuple(full_window), tuple(full_strides)

        def init_fun(rng, input_shape):
            pads = lax.padtype_to_pads(input_shape, full_window, full_strides, padding)
            return lax.reduce_window_shape_tuple(input_shape, full_window, full_strides,
                                                 pads), ()

        def apply_fun(params, inputs, **kwargs):
            pooled = lax.reduce_window(inputs, init_value, reducer, full_window, full_strides,
                                       padding)
            if not averaging:
                return pooled
            # Window sizes vary near the edges under padding: count the real inputs per window.
            spatial_shape = tuple(d for i, d in enumerate(inputs.shape)
                                  if i not in (batch_axis, channel_axis))
            counts = lax.reduce_window(jnp.ones(spatial_shape, inputs.dtype), 0.0, lax.add,
                                       window_shape, strides, padding)
            counts = jnp.expand_dims(counts, sorted((batch_axis, channel_axis)))
            return pooled / counts
        return init_fun, apply_fun
    PoolingLayer.__name__ = PoolingLayer.__qualname__ = name
    return PoolingLayer


MaxPool = _pooling_layer("MaxPool", lax.max, -jnp.inf)
SumPool = _pooling_layer("SumPool", lax.add, 0.0)
AvgPool = _pooling_layer("AvgPool", lax.add, 0.0, averaging=True)


def _flatten():
    def init_fun(rng, input_shape):
        return (input_shape[0], functools.reduce(operator.mul, input_shape[1:], 1)), ()

    def apply_fun(params, inputs, **kwargs):
        return jnp.reshape(inputs, (inputs.shape[0], -1))
    return init_fun, apply_fun


# Flattens every axis but the leading (batch) one.
Flatten = _flatten()


def Dropout(rate, mode="train"):
    """Dropout. NB: as in JAX's stax, `rate` is the probability of KEEPING each entry.

    In mode 'train' each entry is kept with probability `rate` and scaled by `1 / rate`
    (dropped entries become 0), drawing from the `rng` keyword of apply_fun, which is then
    required. Any other mode (e.g. 'test') passes the inputs through unchanged.
    """
    def init_fun(rng, input_shape):
        return input_shape, ()

    def apply_fun(params, inputs, **kwargs):
        if mode != "train":
            return inputs
        rng = kwargs.get("rng")
        if rng is None:
            raise ValueError(
                "stax.Dropout: in mode 'train' apply_fun needs a PRNG key: call "
                "apply_fun(params, inputs, rng=key) with key from numax.random.key (serial "
                "and parallel split it among their layers).")
        keep = random.bernoulli(rng, rate, inputs.shape)
        return jnp.where(keep, inputs / rate, 0)
    return init_fun, apply_fun


def FanOut(num):
    """A layer sending its input to `num` outputs (a list), for `parallel` to consume."""
    def init_fun(rng, input_shape):
        return [input_shape] * num, ()

    def apply_fun(params, inputs, **kwargs):
        return [inputs] * num
    return init_fun, apply_fun


def _fan_in_sum():
    def init_fun(rng, input_shape):
        return input_shape[0], ()

    def apply_fun(params, inputs, **kwargs):
        return sum(inputs)
    return init_fun, apply_fun


# Sums a sequence of inputs of one shape.
FanInSum = _fan_in_sum()


def FanInConcat(axis=-1):
    """A layer concatenating a sequence of inputs along `axis`."""
    def init_fun(rng, input_shape):
        first = tuple(input_shape[0])
        concat_axis = axis % len(first)
        size = sum(shape[concat_axis] for shape in input_shape)
        return first[:concat_axis] + (size,) + first[concat_axis + 1:], ()

    def apply_fun(params, inputs, **kwargs):
        return jnp.concatenate(inputs, axis)
    return init_fun, apply_fun


# ---------------------------------------------------------------- combinators


def _layer_keys(rng, count):
    """`count` keys split from `rng`, or `count` Nones when there is no key to split."""
    return (None,) * count if rng is None else random.split(rng, count)


def serial(*layers):
    """Composes layers in sequence: each one's output is the next one's input.

    Args:
      *layers: (init_fun, apply_fun) pairs.

    Returns:
      The composite layer; its params are the list of the layers' params.
    """
    init_funs, apply_funs = zip(*layers) if layers else ((), ())

    def init_fun(rng, input_shape):
        params = []
        for layer_init in init_funs:
            rng, layer_rng = random.split(rng)
            input_shape, layer_params = layer_init(layer_rng, input_shape)
            params.append(layer_params)
        return input_shape, params

    def apply_fun(params, inputs, **kwargs):
        keys = _layer_keys(kwargs.pop("rng", None), len(apply_funs))
        for layer_apply, layer_params, key in zip(apply_funs, params, keys):
            inputs = layer_apply(layer_params, inputs, rng=key, **kwargs)
        return inputs
    return init_fun, apply_fun


def parallel(*layers):
    """Applies the k-th layer to the k-th of a sequence of inputs (often between FanOut and a
    fan-in layer).

    Args:
      *layers: (init_fun, apply_fun) pairs.

    Returns:
      The composite layer: it takes and returns sequences as long as `layers`, and its
      output shapes and params are tuples of the layers' ones.
    """
    init_funs, apply_funs = zip(*layers) if layers else ((), ())

    def init_fun(rng, input_shape):
        _check_input_count("parallel", input_shape, len(layers))
        keys = random.split(rng, len(layers))
        results = [layer_init(key, shape)
                   for layer_init, key, shape in zip(init_funs, keys, input_shape)]
        return tuple(shape for shape, _ in results), tuple(params for _, params in results)

    def apply_fun(params, inputs, **kwargs):
        _check_input_count("parallel", inputs, len(layers))
        keys = _layer_keys(kwargs.pop("rng", None), len(apply_funs))
        return [layer_apply(layer_params, x, rng=key, **kwargs)
                for layer_apply, layer_params, x, key in zip(apply_funs, params, inputs, keys)]
    return init_fun, apply_fun


def _check_input_count(name, inputs, count):
    if len(inputs) != count:
        raise ValueError(f"stax.{name}: got {len(inputs)} inputs for {count} layers; pass one "
                         f"input (or input shape) per layer, e.g. after FanOut({count}).")


def shape_dependent(make_layer):
    """A layer built by `make_layer(input_shape) -> (init_fun, apply_fun)` once the input
    shape is known (at init, and from `inputs.shape` at apply)."""
    def init_fun(rng, input_shape):
        return make_layer(input_shape)[0](rng, input_shape)

    def apply_fun(params, inputs, **kwargs):
        return make_layer(inputs.shape)[1](params, inputs, **kwargs)
    return init_fun, apply_fun
