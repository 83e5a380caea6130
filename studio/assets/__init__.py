"""Game-asset building blocks: the asset spec, sheet packing and atlas writers."""

from studio.assets.packing import Frame, Placement, Rect, Sheet, grid_sheet, pack_frames
from studio.assets.spec import (
    AssetSpec,
    AssetsSpec,
    parse_prompts,
    parse_spec_file,
    parse_spec_text,
)
from studio.export.atlas import Animation, godot_spriteframes, texturepacker_json

__all__ = [
    "Animation", "AssetSpec", "AssetsSpec", "Frame", "Placement", "Rect", "Sheet", "godot_spriteframes", "grid_sheet",
    "pack_frames", "parse_prompts", "parse_spec_file", "parse_spec_text", "texturepacker_json",
]
