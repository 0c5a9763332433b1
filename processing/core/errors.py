"""One root exception type for the processing core; every message is meant for the person who sent the file."""


class ProcessingError(Exception):
    """Root of every error the processing core raises on purpose."""


class ImageryError(ProcessingError):
    """A file is broken, hostile or not what it claims to be."""


class MosaicError(ProcessingError):
    """The photos cannot be made into a mosaic."""


class TileError(ProcessingError):
    """A tile or raster cannot be produced."""
