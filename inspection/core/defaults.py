"""The first version of each inspection schema family, seeded by migration (an administrator edits later
versions in the admin). Each scale is the one UK engineers already use for that kind of asset, with its source."""

from __future__ import annotations

from typing import Any

CS450 = ("National Highways, Design Manual for Roads and Bridges CS 450 'Inspection of highway structures' "
         "(formerly BD 63), with the severity and extent codes of the Inspection Manual for Highway Structures "
         "(2007) it carries forward")
WMHI = ("UK Roads Liaison Group, 'Well-managed Highway Infrastructure: A Code of Practice' (2016), the risk-based "
        "approach to defect categorisation (risk = impact x probability). The code leaves the matrix and the "
        "response categories to each authority: these bands are the council's own choice, configurable here")
EA_CAM = ("Environment Agency, 'Condition Assessment Manual' (flood and coastal erosion risk management assets), "
          "condition grades 1 very good to 5 very poor")
BUILDINGS = ("Condition grades A-D of local authority property condition surveys (Scottish Government school "
             "estate condition core fact; DfES Asset Management Plans guidance); thermal findings read as in "
             "BS EN 13187 'Thermal performance of buildings - qualitative detection of thermal irregularities in "
             "building envelopes - infrared method'")


def _cats(*items: tuple[str, str, str]) -> list[dict[str, str]]:
    return [{"code": c, "label": label, "meaning": meaning} for c, label, meaning in items]


STRUCTURES: dict[str, Any] = {
    "family": "structures",
    "title": "Structures and bridges (CS 450)",
    "source": CS450,
    "applies_to": {"services": ["Roads", "Infrastructure Design"], "purposes": ["structure_inspection"]},
    "default": True,
    "categories": _cats(
        ("corrosion", "Corrosion", "Rusting or section loss of steel, reinforcement or fixings"),
        ("spalling", "Spalling", "Concrete or masonry broken away from the surface, often over corroding steel"),
        ("cracking", "Cracking", "Cracks in concrete, masonry or steel; note width and pattern"),
        ("scour", "Scour", "Loss of bed or bank material around foundations, piers or abutments"),
        ("vegetation", "Vegetation", "Plant growth on or in the structure (roots in joints, ivy, trees)"),
        ("displacement", "Displacement", "Movement, bulging, tilting or settlement of an element"),
        ("missing_mortar", "Missing mortar", "Open or eroded masonry joints"),
        ("bearing_joint", "Bearing or joint defect", "Damaged, seized, leaking or missing bearings or "
                                                     "expansion joints"),
    ),
    "severity": {"name": "Severity", "source": CS450, "levels": [
        {"code": "1", "rank": 1, "label": "No significant defect", "extents": ["A"],
         "meaning": "As new condition, or the defect has no significant effect on the element (visually or "
                    "functionally)"},
        {"code": "2", "rank": 2, "label": "Minor", "extents": ["B", "C", "D", "E"],
         "meaning": "Early signs of deterioration, minor defect or damage; no reduction in the element's "
                    "functionality"},
        {"code": "3", "rank": 3, "label": "Moderate", "extents": ["B", "C", "D", "E"],
         "meaning": "Moderate defect or damage; some loss of functionality could be expected"},
        {"code": "4", "rank": 4, "label": "Severe", "extents": ["B", "C", "D", "E"],
         "meaning": "Severe defect or damage; significant loss of functionality and/or the element is close to "
                    "failure or collapse"},
        {"code": "5", "rank": 5, "label": "Failed", "extents": ["B", "C", "D", "E"],
         "meaning": "The element is non-functional or has failed"},
    ]},
    "extent": {"name": "Extent", "source": CS450, "levels": [
        {"code": "A", "label": "No significant defect", "meaning": "No significant defect (used with severity 1 "
                                                                 "only)"},
        {"code": "B", "label": "Slight", "meaning": "Not more than 5% of the surface area, length or number "
                                                    "affected"},
        {"code": "C", "label": "Moderate", "meaning": "5% to 20% of the surface area, length or number affected"},
        {"code": "D", "label": "Wide", "meaning": "20% to 50% of the surface area, length or number affected"},
        {"code": "E", "label": "Extensive", "meaning": "More than 50% of the surface area, length or number "
                                                       "affected"},
    ]},
    "risk": None,
}

ROADS: dict[str, Any] = {
    "family": "roads",
    "title": "Roads (Well-managed Highway Infrastructure, council categories)",
    "source": WMHI,
    "applies_to": {"services": ["Roads"], "purposes": []},
    "default": False,
    "categories": _cats(
        ("pothole", "Pothole", "A hole in the running surface; record depth and width"),
        ("crack", "Crack", "Cracking of the surfacing (single, crazing or block)"),
        ("rutting", "Rutting", "Longitudinal depressions in the wheel paths"),
        ("edge_deterioration", "Edge deterioration", "Breaking up or loss of the carriageway edge"),
        ("drainage", "Drainage", "Blocked, damaged or missing gullies, grips, channels or kerb outlets; ponding"),
    ),
    "severity": {"name": "Response category", "source": WMHI, "levels": [
        {"code": "cat2_low", "rank": 1, "label": "Category 2 (low)",
         "meaning": "Risk score 1-3: not an immediate hazard; considered in the planned programme"},
        {"code": "cat2_medium", "rank": 2, "label": "Category 2 (medium)",
         "meaning": "Risk score 4-6: repaired within the planned programme of works"},
        {"code": "cat2_high", "rank": 3, "label": "Category 2 (high)",
         "meaning": "Risk score 8-9: repaired as a priority within the programme of works"},
        {"code": "cat1", "rank": 4, "label": "Category 1",
         "meaning": "Risk score 12: an immediate or imminent hazard or risk of rapid deterioration; made safe or "
                    "repaired promptly"},
        {"code": "emergency", "rank": 5, "label": "Emergency",
         "meaning": "Risk score 16: an immediate danger to road users; attended and made safe at once"},
    ]},
    "extent": None,
    "risk": {
        "source": WMHI + "; the 4 x 4 matrix of the code's worked example",
        "impact": [
            {"code": "1", "label": "Negligible", "meaning": "No or negligible injury or damage is likely"},
            {"code": "2", "label": "Low", "meaning": "Minor injury or damage is possible"},
            {"code": "3", "label": "Noticeable", "meaning": "Injury or damage needing treatment or repair is likely"},
            {"code": "4", "label": "High", "meaning": "Serious injury, death or major damage is possible"},
        ],
        "probability": [
            {"code": "1", "label": "Very low", "meaning": "Few people or vehicles pass, or the defect is hardly "
                                                          "in their path"},
            {"code": "2", "label": "Low", "meaning": "Encounter is possible but unlikely"},
            {"code": "3", "label": "Medium", "meaning": "Encounter is likely in normal use"},
            {"code": "4", "label": "High", "meaning": "Encounter is almost certain (busy route, in the wheel path "
                                                      "or walking line)"},
        ],
        "bands": [
            {"min": 1, "max": 3, "severity": "cat2_low"},
            {"min": 4, "max": 7, "severity": "cat2_medium"},
            {"min": 8, "max": 11, "severity": "cat2_high"},
            {"min": 12, "max": 15, "severity": "cat1"},
            {"min": 16, "max": 16, "severity": "emergency"},
        ],
    },
}

COASTAL: dict[str, Any] = {
    "family": "coastal",
    "title": "Coastal and flood assets (Environment Agency condition grades)",
    "source": EA_CAM,
    "applies_to": {"services": ["Coastal Protection"], "purposes": ["coastal_survey"]},
    "default": False,
    "categories": _cats(
        ("erosion", "Erosion", "Loss of material from the face, crest or toe of a defence or the shore"),
        ("undermining", "Undermining", "Loss of support beneath the toe or foundation"),
        ("overtopping_damage", "Overtopping damage", "Damage to the crest, rear face or apron from waves or water "
                                                     "passing over"),
        ("armour_displacement", "Armour displacement", "Rock armour or revetment units moved, rotated or lost"),
        ("debris", "Debris", "Debris or blockage on or against the asset, outfalls or screens"),
        ("pollution", "Pollution", "Oil, sewage, litter or other pollution at the asset"),
    ),
    "severity": {"name": "Condition grade", "source": EA_CAM, "levels": [
        {"code": "1", "rank": 1, "label": "Very good", "meaning": "Cosmetic defects that will have no effect on "
                                                                "performance"},
        {"code": "2", "rank": 2, "label": "Good", "meaning": "Minor defects that will not reduce the overall "
                                                           "performance of the asset"},
        {"code": "3", "rank": 3, "label": "Fair", "meaning": "Defects that could reduce the performance of the "
                                                           "asset"},
        {"code": "4", "rank": 4, "label": "Poor", "meaning": "Defects that would significantly reduce the "
                                                           "performance of the asset; further investigation needed"},
        {"code": "5", "rank": 5, "label": "Very poor", "meaning": "Severe defects resulting in complete "
                                                                "performance failure"},
    ]},
    "extent": None,
    "risk": None,
}

BUILDINGS_SCHEMA: dict[str, Any] = {
    "family": "buildings",
    "title": "Thermal and buildings (condition grades A-D)",
    "source": BUILDINGS,
    "applies_to": {"services": ["Estates", "Health & Safety", "NHS Highland"], "purposes": ["thermal_survey"]},
    "default": False,
    "categories": _cats(
        ("hotspot", "Hotspot", "A local warm area on the envelope or roof (heat loss, electrical fault)"),
        ("moisture", "Moisture", "Wet insulation or fabric, seen as a cool patch or staining"),
        ("missing_insulation", "Missing insulation", "A thermal irregularity consistent with absent or slumped "
                                                     "insulation"),
        ("roof_membrane", "Roof membrane", "Split, blistered, ponded or lifted roof covering"),
        ("gutters", "Gutters", "Blocked, broken, sagging or leaking gutters and downpipes"),
    ),
    "severity": {"name": "Condition grade", "source": BUILDINGS, "levels": [
        {"code": "A", "rank": 1, "label": "Good", "meaning": "Performing well and operating efficiently"},
        {"code": "B", "rank": 2, "label": "Satisfactory", "meaning": "Performing adequately but showing minor "
                                                                   "deterioration"},
        {"code": "C", "rank": 3, "label": "Poor", "meaning": "Showing major defects and/or not operating "
                                                           "adequately"},
        {"code": "D", "rank": 4, "label": "Bad", "meaning": "Economic life expired and/or risk of imminent "
                                                          "failure"},
    ]},
    "extent": None,
    "risk": None,
}

DEFAULT_SCHEMAS: tuple[dict[str, Any], ...] = (STRUCTURES, ROADS, COASTAL, BUILDINGS_SCHEMA)
