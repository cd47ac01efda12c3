"""`python -m bench` (`make bench`): the similarity engine's speed at 10k, 30k and 100k ideas.

python -m bench [SIZE ...]      e.g. `python -m bench 2000 5000` for a quick look
"""

import sys

from bench import speed

if __name__ == "__main__":
    speed.main(tuple(int(size) for size in sys.argv[1:]) or speed.SIZES)
