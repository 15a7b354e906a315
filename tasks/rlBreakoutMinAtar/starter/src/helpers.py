"""Configuration and checkpoint helpers for training (and for the evaluation, which loads your checkpoints)."""
import pickle
from pathlib import Path

import yaml


class Config(dict):
    """A dictionary whose keys also read as attributes (`config.train_config.gamma`), nested."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key, value in self.items():
            if isinstance(value, dict) and not isinstance(value, Config):
                self[key] = Config(value)

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name, value):
        self[name] = value

    def toDict(self):
        return {k: v.toDict() if isinstance(v, Config) else v for k, v in self.items()}


def load_config(config_fname, seed_id=0, lrate=None):
    """The YAML config as a `Config`, with `train_config.seed_id` set (and the learning rate, if given)."""
    with open(config_fname) as file:
        config = yaml.safe_load(file)
    config["train_config"]["seed_id"] = seed_id
    if lrate is not None:
        config["train_config"]["lr_begin"] = lrate
        config["train_config"]["lr_end"] = lrate
    return Config(config)


def save_pkl_object(obj, filename):
    """Pickles `obj` to `filename` (folders made as needed; an existing file is overwritten)."""
    path = Path(filename)
    path.parent.mkdir(exist_ok=True, parents=True)
    with open(path, "wb") as output:
        pickle.dump(obj, output, pickle.HIGHEST_PROTOCOL)
    print(f"Stored data at {filename}.")


def load_pkl_object(filename):
    """The object pickled in `filename`."""
    with open(filename, "rb") as source:
        return pickle.load(source)
