"""Counts to a number, then says so: a tiny program in the lesson style.

It has settings, a main() that returns its figures, and the classic guard.
"""
import argparse

SETTINGS = {
    "count": (3, 1, 10, "how far to count"),
    "loud": (False, None, None, "shout the numbers"),
    "word": ("tick", ["tick", "tock"], None, "what to say with each number"),
    "pause": (0.0, 0.0, 1.0, "seconds between numbers"),
}


def read_settings():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for name, (default, low, high, text) in SETTINGS.items():
        if isinstance(default, bool):
            parser.add_argument("--" + name, action=argparse.BooleanOptionalAction,
                                default=default, help=text)
        else:
            parser.add_argument("--" + name, type=type(default), default=default,
                                help=text, choices=low if isinstance(low, list) else None)
    return parser.parse_args()


def main():
    settings = read_settings()
    for n in range(1, settings.count + 1):
        text = f"{settings.word} {n}"
        print(text.upper() if settings.loud else text)
    return {"counted": settings.count, "loud": settings.loud, "name": "caf\udce9"}


if __name__ == "__main__":
    main()
