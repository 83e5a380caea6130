"""Image backends: the procedural painter, diffusion sampling, the comic filter, pixel art, faces, describing and captioning."""
