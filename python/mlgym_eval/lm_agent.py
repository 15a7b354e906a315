"""Functions the trusted evaluations of model tasks (LMSubmissionTasks) call in the agent's process through
`agent_function("mlgym_eval.lm_agent", ...)`.

They run where the agent's code runs (its workspace, without the hidden files), so nothing here is trusted: the
evaluation checks every value that comes back. The language model is the agent's own class, loaded as the original's
evaluation loaded it (`Model` and `ModelConfig` from baseline.py, `model.pt` and `model_config.pt`); it only maps
token ids to next-token log-probabilities, and the evaluation computes the loss from them. Model folders are sent
back as raw bytes, which the evaluation loads with its own code."""
import base64
import os

import numpy as np

_state = {}


def _pickle_for(module):
    """A pickle module whose unpickler finds in `module` what was pickled from `__main__`: baseline.py run as a
    script saves its ModelConfig as `__main__.ModelConfig`, as in the original."""
    import pickle
    import types

    class Unpickler(pickle.Unpickler):
        def find_class(self, mod_name, name):
            if mod_name == "__main__":
                return getattr(module, name)
            return super().find_class(mod_name, name)

    return types.SimpleNamespace(Unpickler=Unpickler, load=lambda f, **kw: Unpickler(f, **kw).load(), __name__="pickle")


def _model():
    if "model" not in _state:
        import importlib

        import torch

        module = importlib.import_module("baseline")
        model_class = getattr(module, "Model", None)
        if model_class is None:
            raise AttributeError("baseline.py defines no class Model: the evaluation builds Model(config)")
        config = torch.load("model_config.pt", weights_only=False, pickle_module=_pickle_for(module))
        state = torch.load("model.pt", map_location="cpu", weights_only=False)
        # Checkpoints of compiled or distributed models carry prefixes on every key.
        state = {k.removeprefix("_orig_mod.").removeprefix("module."): v for k, v in state.items()}
        model = model_class(config)
        model.load_state_dict(state)
        device = "cuda" if torch.cuda.is_available() else "cpu"
        _state["device"] = device
        _state["model"] = model.to(device).eval()
    return _state["model"]


def _log_probs(inputs, targets):
    """Log-softmax over the vocabulary at every position: float32 array (batch, length, vocab)."""
    import torch

    model = _model()
    device = _state["device"]
    x = torch.as_tensor(np.asarray(inputs, dtype=np.int64), device=device)
    y = torch.as_tensor(np.asarray(targets, dtype=np.int64), device=device)
    with torch.no_grad():
        if device == "cuda":
            with torch.autocast(device_type="cuda", dtype=torch.bfloat16):
                out = model(x, y, return_logits=True)
        else:
            out = model(x, y, return_logits=True)
    logits = out[0] if isinstance(out, (tuple, list)) else out
    if logits is None or tuple(logits.shape[:2]) != tuple(x.shape):
        shape = None if logits is None else tuple(logits.shape)
        raise ValueError(f"the model returned logits of shape {shape}; expected (batch, length, vocab) for {tuple(x.shape)}")
    return torch.log_softmax(logits.float(), dim=-1)


def _pack(array):
    array = np.ascontiguousarray(array, dtype=np.float32)
    return base64.b64encode(array.tobytes()).decode("ascii")


def token_log_probs(inputs, targets):
    """log p(targets[b, t] | inputs[b, :t + 1]) for a batch, as base64 float32 (batch x length)."""
    import torch

    lp = _log_probs(inputs, targets)
    index = torch.as_tensor(np.asarray(targets, dtype=np.int64), device=lp.device).unsqueeze(-1)
    return _pack(lp.gather(-1, index).squeeze(-1).cpu().numpy())


def last_distribution(inputs, targets):
    """The full log-probability vector at the last position of one sequence, as base64 float32."""
    lp = _log_probs([inputs], [targets])
    return _pack(lp[0, -1].cpu().numpy())


def file_size(path):
    """Size of a regular file under the working directory, or -1 when there is none."""
    return os.path.getsize(path) if os.path.isfile(path) else -1


def read_chunk(path, offset, size):
    """Up to `size` bytes of a file from `offset`, base64-encoded."""
    with open(path, "rb") as handle:
        handle.seek(offset)
        return base64.b64encode(handle.read(size)).decode("ascii")
