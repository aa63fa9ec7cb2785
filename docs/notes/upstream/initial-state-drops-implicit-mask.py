"""Keras 3: an RNN given initial_state drops the mask of a Masking layer in front (tf2.21-keras3.15-tensorflow)

Standalone: Keras and NumPy only. Exit 1: Keras' outputs differ from the expected ones; 0: they agree.
Expected: the NumPy oracle's values, from the layer's equations (rnn-shapes).
"""

import sys
import keras
import numpy as np

x_in = keras.Input(shape=(4, 2))
x = keras.layers.Masking(mask_value=-2.0)(x_in)
h0_0 = keras.Input(shape=(2,))
layer = keras.layers.GRU(units=2, return_sequences=True, return_state=False, go_backwards=False, reset_after=True)
outputs = layer(x, initial_state=[h0_0])
model = keras.Model([x_in, h0_0], outputs)
model.set_weights([np.array([[-0.375, -0.28125, -0.03125, 0.0625, 0.3125, 0.40625], [-0.15625, -0.0625, 0.1875, 0.28125, -0.4375, -0.34375]], dtype='float32'), np.array([[-0.21875, -0.125, 0.125, 0.21875, 0.46875, -0.40625], [0.0, 0.09375, 0.34375, 0.4375, -0.28125, -0.1875]], dtype='float32'), np.array([[-0.0625, 0.03125, 0.28125, 0.375, -0.34375, -0.25], [0.09375, 0.1875, 0.4375, -0.4375, -0.1875, -0.09375]], dtype='float32')])

def flat(value):
    """Every output as a NumPy array, in order (Keras 3's ops convert any backend's)."""
    if isinstance(value, (list, tuple)):
        return [a for v in value for a in flat(v)]
    convert = getattr(getattr(keras, "ops", None), "convert_to_numpy", None)
    return [np.asarray(convert(value) if convert else value)]


def reset(model):
    for layer in model.layers:
        if getattr(layer, "stateful", False):
            (getattr(layer, "reset_state", None) or layer.reset_states)()


def differ(got, expected, atol, rtol):
    if len(got) != len(expected):
        return f"{len(got)} outputs, expected {len(expected)}"
    for i, (g, w) in enumerate(zip(got, expected)):
        if g.shape != w.shape:
            return f"output {i}: shape {g.shape}, expected {w.shape}"
        if VALUES and not np.allclose(g.astype("float64"), w, atol=atol, rtol=rtol):
            worst = np.unravel_index(np.argmax(np.abs(g.astype("float64") - w)), w.shape)
            at = tuple(int(j) for j in worst)
            return f"output {i}: at {at} got {g[worst]!r}, expected {w[worst]!r}"
    return None

outputs = []
feed_0 = [np.array([[[0.53515625, 0.1005859375], [-0.3642578125, -0.798828125], [0.7685546875, 0.302734375], [-0.130859375, -0.5966796875]], [[0.970703125, 0.5361328125], [0.0712890625, -0.36328125], [-0.796875, 0.73828125], [-2.0, -2.0]]], dtype='float32'), np.array([[-0.4033203125, -0.0234375], [0.3564453125, -0.2607421875]], dtype='float32')]
outputs += flat(model(feed_0))
VALUES = True
expected = [np.array([[[-0.4193217619201754, -0.027369066115984074], [-0.38356198438884587, -0.05242691140028406], [-0.41408390491957825, -0.029788991260968154], [-0.3842395532674245, -0.04429613806373234]], [[-0.010717445862888364, -0.1952261481552907], [-0.12443841102103155, -0.16087770790739273], [-0.4143460313560436, -0.3706145006278957], [-0.4143460313560436, -0.3706145006278957]]], dtype='float64')]
problem = differ(outputs, expected, atol=2e-06, rtol=2e-06)
for i, (g, w) in enumerate(zip(outputs, expected)):
    print(f'output {i}: got', np.array2string(g, precision=6), 'expected', np.array2string(w, precision=6))
print('keras', keras.__version__, '-', 'DIFFER: ' + problem if problem else 'agree')
sys.exit(1 if problem else 0)
