"""Defect candidates proposed by the detectors in processing.core.detection, reviewed by inspectors."""
