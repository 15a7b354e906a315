"""`import gymnax` resolves to a real gymnax when one is installed, else to the stand-in (python -m unittest
mlgym_gymnax.test_shim, with python/ on the path)."""
import os
import subprocess
import sys
import tempfile
import unittest

PYTHON_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(code, extra_path=()):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([PYTHON_DIR, *extra_path]))
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)


class ShimTest(unittest.TestCase):
    def test_a_real_gymnax_after_the_shim_wins(self):
        with tempfile.TemporaryDirectory() as site:
            os.makedirs(os.path.join(site, "gymnax", "environments"))
            with open(os.path.join(site, "gymnax", "__init__.py"), "w") as f:
                f.write("REAL = True\ndef make(name):\n    return ('real', name)\n")
            with open(os.path.join(site, "gymnax", "environments", "__init__.py"), "w") as f:
                f.write("WHERE = 'real environments'\n")
            r = run("import gymnax, gymnax.environments as e; print(gymnax.REAL, gymnax.make('x'), e.WHERE)", [site])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.strip(), "True ('real', 'x') real environments")

    def test_without_gymnax_the_stand_in_answers(self):
        # Only when this interpreter has no gymnax of its own.
        probe = run("from mlgym_gymnax.real import find_real_gymnax; import sys; print(find_real_gymnax(sys.path) is None)")
        if probe.stdout.strip() != "True":
            self.skipTest("a real gymnax is installed")
        r = run(
            "import gymnax; from gymnax.environments import spaces; "
            "env, p = gymnax.make('MountainCarContinuous-v0'); "
            "print(gymnax.STAND_IN, env.name, type(env.action_space(p)) is spaces.Box)"
        )
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.strip(), "True MountainCarContinuous-v0 True")


if __name__ == "__main__":
    unittest.main()
