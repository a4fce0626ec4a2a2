"""A program that fails."""


def divide(a, b):
    return a / b


print("about to divide")
divide(1, 0)
