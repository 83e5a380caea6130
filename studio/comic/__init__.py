"""Comics: layouts, panel fitting, lettering, pages, exports and motion comics.

Modules: `layout` (layouts as data, auto pick, multi-page), `fitting` (crops that keep faces and
salient regions), `script` (the words as editable data), `lettering` (caption boxes and
bubbles), `page` (pages, title, credits), `export` (PDF, CBZ), `motion` (MP4), `demo_clip` (a
synthetic clip for the demo). The steps that use them are in `studio/steps/comic.py`.
"""
