"""Automatic defect candidates: cracks on photos, hotspots on thermal frames, change between two orthomosaics.

Each detector is a small frozen dataclass whose parameters are checked when it is made and which is called on an
image: `CrackDetector()(rgb)`, `HotspotDetector()(frame)`, `ChangeDetector()(before, after)`. No Django here.
"""
