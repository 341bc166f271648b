"""aralnexus: planning model of the Kyrgyzstan–Tajikistan water–energy–trade partnership."""

from __future__ import annotations

__version__ = "0.1.0"
