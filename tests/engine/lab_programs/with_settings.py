"""Counts to a number, then says so: a tiny program in the lesson style.

It has settings, a main() that returns its figures, and the classic guard.
"""
import argparse


def between(low, high):
    """For argparse: a number from low to high, else one clear error line."""
    def number(text):
        value = type(low)(text)   # int("2.5") or float("x") fails: "invalid number value"
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{text} is not between {low} and {high}")
        return value
    return number


parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--count", type=between(1, 10), default=3, help="how far to count")
parser.add_argument("--loud", action=argparse.BooleanOptionalAction, default=False,
                    help="shout the numbers")
parser.add_argument("--word", choices=["tick", "tock"], default="tick",
                    help="what to say with each number")
parser.add_argument("--pause", type=between(0.0, 1.0), default=0.0,
                    help="seconds between numbers")


def main():
    args = parser.parse_args()
    for n in range(1, args.count + 1):
        text = f"{args.word} {n}"
        print(text.upper() if args.loud else text)
    return {"counted": args.count, "loud": args.loud, "name": "caf\udce9"}


if __name__ == "__main__":
    main()
