# Trên Colab: cài gói dlbook của sách. Ở máy của bạn hay trên Binder, ô này không làm gì.
import sys

if "google.colab" in sys.modules:
    import subprocess

    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "dlbook @ git+https://github.com/dlbook-vn/dlbook"],
        check=True,
    )
