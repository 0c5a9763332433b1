"""Orthomosaic engine: overlapping geotagged nadir photos -> one georeferenced RGBA Cloud-Optimised GeoTIFF.

Pure code (no Django, clock, settings or network). See docs/orthomosaic.md for the method.
"""

from .options import GroundControlPoint, OrthoOptions
from .pipeline import build_orthomosaic
from .report import DroppedPhoto, OrthoReport, PlacedPhoto

__all__ = [
           "DroppedPhoto",
           "GroundControlPoint",
           "OrthoOptions",
           "OrthoReport",
           "PlacedPhoto",
           "build_orthomosaic",
]
