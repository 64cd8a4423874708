# Trên Colab: cài gói dlbook của sách (giữ bản PyTorch có sẵn của Colab). Ở máy của bạn hay trên
# Binder, ô này không làm gì.
import sys

if "google.colab" in sys.modules:
    import subprocess

    pip = [sys.executable, "-m", "pip", "install", "-q"]
    subprocess.run(pip + ["--no-deps", "dlbook @ git+https://github.com/dlbook-vn/dlbook"], check=True)
    subprocess.run(pip + ["mlxtend", "pooch"], check=True)
