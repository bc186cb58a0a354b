from numax.random.prng import *  # placeholder
