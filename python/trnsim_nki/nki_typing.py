"""`nki.typing` (NKI 0.3) for both stand-in modes: `nt.tensor[128, 512]` (and with a dtype)
annotates a kernel parameter. The annotation is accepted and not read: the inputs' shapes come
from `--arg` or the file's INPUT_SHAPES, as for every kernel."""


class TensorAnnotation:
    def __init__(self, spec=None):
        self.spec = spec

    def __getitem__(self, spec):
        return TensorAnnotation(spec)

    def __repr__(self):
        return f"nt.tensor[{self.spec!r}]"


tensor = TensorAnnotation()
