"""Ship the builtin recipes (pipelines/) and templates (templates/) inside the package, so a
non-editable install finds them as studio/_data/{pipelines,templates}."""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).parent


class BuildPyWithData(build_py):
    def run(self):
        super().run()
        for name in ("pipelines", "templates"):
            src = ROOT / name
            if src.is_dir():
                dest = Path(self.build_lib) / "studio" / "_data" / name
                if dest.exists():
                    shutil.rmtree(dest)
                shutil.copytree(src, dest)


setup(cmdclass={"build_py": BuildPyWithData})
