"""gradtui: see why deep networks fail to train, in your terminal."""

__version__ = "0.1.0"
