"""Stand-in for `nki.typing`: trnsim_nki.nki_typing."""
from trnsim_nki.nki_typing import TensorAnnotation, tensor  # noqa: F401
