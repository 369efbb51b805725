"""Creates a SCRAM user with `runnel configs` (compat/lib/scram-user.sh) for the Python scripts."""
import os
import subprocess

SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "scram-user.sh")


def create_scram_user(user, mechanism, password, iterations=8192):
    """Returns None on success, else what went wrong."""
    try:
        r = subprocess.run(["sh", SCRIPT, user, mechanism, password, str(iterations)], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"runnel configs failed: {e}"
    if r.returncode != 0 or "Completed updating config for user" not in r.stdout:
        return f"runnel configs failed (exit code {r.returncode}): {r.stdout}{r.stderr}"
    return None
