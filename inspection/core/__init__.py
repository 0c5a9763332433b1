"""Pure inspection code: schema documents (severity scales and categories), geometry checks, pixel → ground
projection and British National Grid references. No Django, no database, no clock."""

from .errors import InspectionError

__all__ = ["InspectionError"]
